"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 21:41:39.634674
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "city",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("province", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("city", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_city_name"), ["name"], unique=True)

    op.create_table(
        "modelversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("trained_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("data_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "reviewevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reviewevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviewevent_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviewevent_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["city_id"],
            ["city.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("city_id", "year", "period"),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_city_id"), ["city_id"], unique=False)

    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("stored_path", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("error_code", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("metadata_evidence", sa.JSON(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=True),
        sa.Column("structure", sa.JSON(), nullable=True),
        sa.Column("page_info", sa.JSON(), nullable=True),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("n_passages", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("ingested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ingested_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["document.id"],
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_sha256"), ["sha256"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_document_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("organisations", sa.JSON(), nullable=True),
        sa.Column("area", sa.Integer(), nullable=True),
        sa.Column("outstanding", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_document_id"), ["document_id"], unique=False
        )

    op.create_table(
        "passage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("heading_path", sa.JSON(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("words", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("extra", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("area", sa.Integer(), nullable=True),
        sa.Column("area_confidence", sa.Float(), nullable=True),
        sa.Column("second_area", sa.Integer(), nullable=True),
        sa.Column("second_confidence", sa.Float(), nullable=True),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("reviewed_area", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("passage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passage_area"), ["area"], unique=False)
        batch_op.create_index(batch_op.f("ix_passage_document_id"), ["document_id"], unique=False)
        batch_op.create_index("ix_passage_document_order", ["document_id", "order"], unique=False)

    op.create_table(
        "applicationtag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id", "tag"),
    )
    with op.batch_alter_table("applicationtag", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_applicationtag_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_applicationtag_tag"), ["tag"], unique=False)

    op.create_table(
        "figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("passage_id", sa.Integer(), nullable=False),
        sa.Column("raw", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("approx", sa.Boolean(), nullable=False),
        sa.Column("cmp", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("indicator", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("review_status", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("corrected_value", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["passage_id"],
            ["passage.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("figure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_figure_indicator"), ["indicator"], unique=False)
        batch_op.create_index(batch_op.f("ix_figure_passage_id"), ["passage_id"], unique=False)
    _full_text_index()


def _full_text_index() -> None:
    """The passage search index: FTS5 over jieba tokens on SQLite (kept in step by triggers),
    a generated tsvector with a GIN index on PostgreSQL."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE passage_fts USING fts5("
            "words, extra, content='passage', content_rowid='id', tokenize='unicode61')"
        )
        op.execute(
            "CREATE TRIGGER passage_fts_ai AFTER INSERT ON passage BEGIN "
            "INSERT INTO passage_fts(rowid, words, extra) VALUES (new.id, new.words, new.extra); END"
        )
        op.execute(
            "CREATE TRIGGER passage_fts_ad AFTER DELETE ON passage BEGIN "
            "INSERT INTO passage_fts(passage_fts, rowid, words, extra) "
            "VALUES ('delete', old.id, old.words, old.extra); END"
        )
        op.execute(
            "CREATE TRIGGER passage_fts_au AFTER UPDATE OF words, extra ON passage BEGIN "
            "INSERT INTO passage_fts(passage_fts, rowid, words, extra) "
            "VALUES ('delete', old.id, old.words, old.extra); "
            "INSERT INTO passage_fts(rowid, words, extra) VALUES (new.id, new.words, new.extra); END"
        )
        op.execute("CREATE VIRTUAL TABLE passage_vocab USING fts5vocab(passage_fts, row)")
    else:
        op.execute(
            "ALTER TABLE passage ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple', coalesce(words, '') || ' ' || coalesce(extra, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_passage_tsv ON passage USING GIN (tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS passage_vocab")
        op.execute("DROP TABLE IF EXISTS passage_fts")
    with op.batch_alter_table("figure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_figure_passage_id"))
        batch_op.drop_index(batch_op.f("ix_figure_indicator"))

    op.drop_table("figure")
    with op.batch_alter_table("applicationtag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applicationtag_tag"))
        batch_op.drop_index(batch_op.f("ix_applicationtag_application_id"))

    op.drop_table("applicationtag")
    with op.batch_alter_table("passage", schema=None) as batch_op:
        batch_op.drop_index("ix_passage_document_order")
        batch_op.drop_index(batch_op.f("ix_passage_document_id"))
        batch_op.drop_index(batch_op.f("ix_passage_area"))

    op.drop_table("passage")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_document_id"))

    op.drop_table("application")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_submission_id"))
        batch_op.drop_index(batch_op.f("ix_document_sha256"))
        batch_op.drop_index(batch_op.f("ix_document_name"))

    op.drop_table("document")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_city_id"))

    op.drop_table("submission")
    with op.batch_alter_table("reviewevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviewevent_entity_id"))
        batch_op.drop_index(batch_op.f("ix_reviewevent_at"))

    op.drop_table("reviewevent")
    op.drop_table("modelversion")
    with op.batch_alter_table("city", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_city_name"))

    op.drop_table("city")
