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
    """An issuing unit at any level (浙江省, 杭州市, 洪泽区): a county's submission is its own,
    filed under the county, with its city as `parent`."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)  # 杭州市
    province: str | None = None
    level: str | None = None  # vocabulary.Level: province | city | county
    parent: str | None = None  # a county's city (洪泽区 → 淮安市)
    code: str | None = None  # the administrative division code, when known


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
    kind: str = "other"  # vocabulary.Kind; an evaluator may change it (audited)
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
    # Unconfirmed: extraction (or a missing value) left city, year, period or kind for the
    # evaluator to settle. `unconfirmed` maps each such field to its Chinese reason; `confirmed`
    # turns true only when that map is empty, after extraction or an evaluator's confirmation.
    confirmed: bool = True
    unconfirmed: dict = Field(default_factory=dict, sa_column=Column(JSON))
    # What extraction recognised (city, year, period, kind) before any evaluator's word: a new
    # version of the file is recognised the same way, so it is matched against this too.
    recognised: dict = Field(default_factory=dict, sa_column=Column(JSON))
    # Evaluators' work on the previous version that could not be carried to this one, each
    # {entity, id, what, reason} in Chinese: listed on the document's page and by the CLI.
    not_carried: list = Field(default_factory=list, sa_column=Column(JSON))
    revision: int = 1  # optimistic lock for evaluators' edits (`version` is the file's version)


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
    # Where it is printed (PDFs and OCR'd pages): [x0, top, x1, bottom] in PDF points from the
    # top-left of its page, its block's lines on that page (extract.Block.box); None otherwise.
    box: list | None = Field(default=None, sa_column=Column(JSON))


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
    # When and what (issue 13): the date the figure speaks of, as ISO (sorts as dates do), how
    # finely the text gave it, where it came from, its role (extract.vocabulary.FigureRole), and
    # the start of the other figure of a from→to pair (由2M提升至50M) in the same passage/cell.
    role: str | None = Field(default=None, index=True)
    as_of: str | None = Field(default=None, index=True)
    as_of_precision: str | None = None  # day | month | half | year
    as_of_source: str | None = None  # column | clause | row | heading | submission
    pair_start: int | None = None


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


class FigureChoice(SQLModel, table=True):
    """An evaluator's word on a figure: its role, or that it is the headline of its indicator.

    Keyed by what can be found again in a re-ingested file or a new version (the submission, the
    indicator, a hash of the passage text, the figure's raw text and offset), not by figure id, so
    the choice outlives the rows ingest writes. Only the latest active choice of a kind counts;
    the audit of each change is a ReviewEvent on the figure it was made on."""

    __table_args__ = (Index("ix_figurechoice_submission", "city", "year", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    city: str
    year: int
    period: str
    indicator: str | None = None
    passage_key: str  # sha256 of the passage text (NFC), first 32 hex digits
    start: int = 0
    raw: str
    value: float | None = None
    unit: str | None = None
    choice: str  # role | headline
    role: str | None = None  # for choice == role: the evaluator's FigureRole
    user: str = ""
    at: datetime = Field(default_factory=utcnow)
    active: bool = True


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


class IngestLease(SQLModel, table=True):
    """A process that may have copied files into the store without committing them yet (an
    ingest, or a web server that runs ingests). The orphan sweep never touches a file newer than
    the oldest live lease, so one ingest cannot delete what another has just copied."""

    id: int | None = Field(default=None, primary_key=True)
    host: str  # hostname and boot id: a pid means something only on its own machine and boot
    pid: int
    kind: str = "ingest"  # ingest | serve
    started: float  # the holder's clock (time.time()), compared with stored files' mtimes
    heartbeat: float  # renewed while the holder runs; stale means dead (for other hosts)


class Job(SQLModel, table=True):
    """A unit of background work (today: an upload to ingest), kept in the database so it
    survives a server restart. Generic on purpose: a task queue may run the same rows later."""

    id: str = Field(primary_key=True)
    kind: str = "upload"
    user: str = ""
    created: datetime = Field(default_factory=utcnow, index=True)
    updated: datetime = Field(default_factory=utcnow)
    state: str = "queued"  # queued | running | done | error | interrupted
    lease_id: int | None = None  # the IngestLease of the process running it
    params: dict = Field(default_factory=dict, sa_column=Column(JSON))  # folder, overrides...
    error: str | None = None


class JobResult(SQLModel, table=True):
    """One file's outcome within a job, written as it comes."""

    __table_args__ = (Index("ix_jobresult_job_seq", "job_id", "seq", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(foreign_key="job.id")
    seq: int
    name: str
    status: str  # added | version | present | failed | skipped
    message: str = ""
    code: str | None = None
    document_id: int | None = None
    pages: int = 0
    needs_review: bool = False


class LoginFailure(SQLModel, table=True):
    """One failed (or still running) login attempt, per name and address: the web app's rate
    limit counts these, so every server process and every server on the store counts the same."""

    __table_args__ = (
        Index("ix_loginfailure_key", "name", "address", "at"),
        Index("ix_loginfailure_at", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str  # case-folded
    address: str
    at: float  # time.time() of the attempt: servers behind one proxy share a clock (NTP)
