"""figures: period, target check, table cell; applications: year, period, page, places, figures

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("figure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(
            sa.Column("target_check", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(sa.Column("row", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("col", sa.Integer(), nullable=True))
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("period", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("page", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("places", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("figures", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("area_confidence", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        for column in ("area_confidence", "figures", "places", "page", "period", "year"):
            batch_op.drop_column(column)
    with op.batch_alter_table("figure", schema=None) as batch_op:
        for column in ("col", "row", "target_check", "period"):
            batch_op.drop_column(column)
