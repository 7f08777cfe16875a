"""where a passage is printed: its box on its page (x0, top, x1, bottom in PDF points from the
page's top-left), for PDFs and OCR'd pages, so the page image can highlight it. NULL for
passages ingested before, and for sources without positions (Word, text, sheets).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("passage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("box", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("passage", schema=None) as batch_op:
        batch_op.drop_column("box")
