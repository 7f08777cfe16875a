"""sessions and retiring: user.session_version (bumped to end every session of a user) and
document.retired (a document withdrawn from the views, reversible by an admin)

Revision ID: 0007
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows start at 0 / not retired: server_default fills them. A plain ADD COLUMN
    # (not a batch copy): SQLite cannot drop and rebuild `document`, which passages refer to.
    op.add_column(
        "user",
        sa.Column("session_version", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.add_column(
        "document",
        sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # SQLite's own DROP COLUMN (3.35+), not a batch copy of `document` (see upgrade).
    op.drop_column("document", "retired")
    op.drop_column("user", "session_version")
