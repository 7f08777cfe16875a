"""The SQLModel tables. Schema changes go through Alembic (models/migrations/), never create_all.

Evaluators' work (reviewed areas, comments, review events) lives in columns and tables that ingest
never writes, so re-ingesting a file can't overwrite it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class City(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)  # 杭州市
    province: str | None = None


class Submission(SQLModel, table=True):
    """One city's report for one period: the first-half or full-year submission."""

    __table_args__ = (UniqueConstraint("city_id", "year", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    city_id: int = Field(foreign_key="city.id", index=True)
    year: int
    period: str  # H1 | FY


class Document(SQLModel, table=True):
    """One submitted file: stored once per content (sha256), failures recorded with the reason."""

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(unique=True, index=True)
    name: str = Field(index=True)  # the original file name, NFC, for display and search
    stored_path: str | None = None  # relative to the data root; generated, never the name
    size: int = 0
    format: str = ""
    pages: int | None = None
    kind: str = "other"  # progress | applications | other
    status: str = "ok"  # ok | failed
    error_code: str | None = None
    error: str | None = None
    title: str | None = None
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    city: str | None = None
    year: int | None = None
    period: str | None = None
    needs_review: bool = False  # city or period unknown: the evaluator must say
    metadata_evidence: dict = Field(default_factory=dict, sa_column=Column(JSON))
    warnings: list = Field(default_factory=list, sa_column=Column(JSON))
    structure: list = Field(default_factory=list, sa_column=Column(JSON))  # blocks, for display
    page_info: list = Field(default_factory=list, sa_column=Column(JSON))
    truncated: bool = False
    n_passages: int = 0  # written with the passages: a check that the document is whole
    version: int = 1
    previous_id: int | None = Field(default=None, foreign_key="document.id")
    is_current: bool = True
    retired: bool = False  # withdrawn by an evaluator (is_current is then False too); reversible
    ingested_at: datetime = Field(default_factory=utcnow)
    ingested_by: str = ""


class Passage(SQLModel, table=True):
    __table_args__ = (Index("ix_passage_document_order", "document_id", "order"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    order: int
    page: int | None = None
    heading_path: list = Field(default_factory=list, sa_column=Column(JSON))
    text: str
    words: str = ""  # jieba tokens, space-separated: what the full-text index reads
    extra: str = ""  # search-mode sub-words, for recall
    area: int | None = Field(default=None, index=True)  # predicted, 0-6
    area_confidence: float | None = None
    second_area: int | None = None
    second_confidence: float | None = None
    needs_review: bool = False
    reviewed_area: int | None = None  # the evaluator's word; ingest never writes it
    version: int = 1  # optimistic lock for evaluators' edits


class Figure(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    passage_id: int = Field(foreign_key="passage.id", index=True)
    raw: str
    value: float | None = None
    unit: str | None = None
    approx: bool = False
    cmp: str | None = None
    kind: str | None = None  # level | change | target
    period: str | None = None  # H1 | FY | cumulative, when the text says
    indicator: str | None = Field(default=None, index=True)
    target_check: str | None = None  # met | not_met | not_comparable, for indicators with a target
    start: int = 0  # offsets in the passage text (in the cell text for table figures)
    end: int = 0
    row: int | None = None  # table figures: the row and column of the cell
    col: int | None = None
    review_status: str | None = None  # accepted | rejected | corrected
    corrected_value: float | None = None
    version: int = 1  # optimistic lock for evaluators' reviews


class Application(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    title: str
    body: str = ""
    city: str | None = None
    year: int | None = None
    period: str | None = None
    page: int | None = None
    organisations: list = Field(default_factory=list, sa_column=Column(JSON))
    places: list = Field(default_factory=list, sa_column=Column(JSON))
    figures: list = Field(default_factory=list, sa_column=Column(JSON))  # key figures of the case
    area: int | None = None
    area_confidence: float | None = None
    outstanding: bool = False
    version: int = 1


class ApplicationTag(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("application_id", "tag"),)
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    tag: str = Field(index=True)
    score: float | None = None
    source: str = "model"  # model | evaluator


class ReviewEvent(SQLModel, table=True):
    """Append-only audit of every change an evaluator makes."""

    __table_args__ = (Index("ix_reviewevent_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user: str
    entity: str  # passage | figure | application | document | user
    entity_id: int = Field(index=True)
    action: str
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    comment: str | None = None


class User(SQLModel, table=True):
    """An account of the web app. Never deleted (the audit names users): deactivated instead."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    role: str = "viewer"  # admin | evaluator | viewer
    password_hash: str  # argon2id, with its parameters; never the password
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # Bumped on logout, password, role or active change: a cookie holding an older one is dead.
    session_version: int = 0


class ModelVersion(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # areas | tags
    version: str
    trained_at: datetime = Field(default_factory=utcnow)
    data_hash: str = ""
    metrics: dict = Field(default_factory=dict, sa_column=Column(JSON))
