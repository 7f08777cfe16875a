"""issuers at every level (city.level/parent/code); documents: confirmed state with reasons,
what extraction recognised, reviews not carried to a new version, an edit lock (revision)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# A document stored before this migration without a city, year or period (needs_review) was
# waiting for the evaluator already: it starts unconfirmed, with this reason.
_OLD_REASON = {"city": "入库时未能识别完整的城市、年份或时段，请评估人员确认"}


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: SQLite's batch mode copies and drops the table, which
    # the foreign keys from passage, application and submission forbid.
    for name in ("level", "parent", "code"):
        op.add_column("city", sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column(
        "document", sa.Column("confirmed", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    for name in ("unconfirmed", "recognised", "not_carried"):
        op.add_column("document", sa.Column(name, sa.JSON(), nullable=True))
    op.add_column(
        "document",
        sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("1")),
    )
    document = sa.table(
        "document",
        sa.column("status", sa.String),
        sa.column("needs_review", sa.Boolean),
        sa.column("confirmed", sa.Boolean),
        sa.column("unconfirmed", sa.JSON),
    )
    op.execute(
        document.update()
        .where(document.c.needs_review == sa.true(), document.c.status == "ok")
        .values(confirmed=False, unconfirmed=_OLD_REASON)
    )


def downgrade() -> None:
    for name in ("revision", "not_carried", "recognised", "unconfirmed", "confirmed"):
        op.drop_column("document", name)
    for name in ("code", "parent", "level"):
        op.drop_column("city", name)
