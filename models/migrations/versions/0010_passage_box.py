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
    # A plain ADD COLUMN on both databases: batch mode rebuilt the table on SQLite (DROP TABLE
    # passage), which a store with figures refuses (their foreign key) and which would lose the
    # full-text triggers.
    op.add_column("passage", sa.Column("box", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Not batch mode, for the same reason (SQLite has had DROP COLUMN since 3.35).
    op.execute("ALTER TABLE passage DROP COLUMN box")
