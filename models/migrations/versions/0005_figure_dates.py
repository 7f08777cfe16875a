"""figures in time: figure.role, as_of (+ precision, source), pair_start; figurechoice

Revision ID: 0005
Revises: 0003
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("figure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("as_of", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(
            sa.Column("as_of_precision", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("as_of_source", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(sa.Column("pair_start", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_figure_role"), ["role"], unique=False)
        batch_op.create_index(batch_op.f("ix_figure_as_of"), ["as_of"], unique=False)
    op.create_table(
        "figurechoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("indicator", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("passage_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("raw", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("choice", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("figurechoice", schema=None) as batch_op:
        batch_op.create_index(
            "ix_figurechoice_submission", ["city", "year", "period"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("figurechoice", schema=None) as batch_op:
        batch_op.drop_index("ix_figurechoice_submission")
    op.drop_table("figurechoice")
    with op.batch_alter_table("figure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_figure_as_of"))
        batch_op.drop_index(batch_op.f("ix_figure_role"))
        for column in ("pair_start", "as_of_source", "as_of_precision", "as_of", "role"):
            batch_op.drop_column(column)
