"""one result per (job, seq): a queued task delivered twice (its worker killed after writing
its result but before acknowledging it) records its file once

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows written before were numbered by one process each: duplicates cannot exist, but a
    # store that has them keeps the first rather than refusing to upgrade.
    op.execute(
        sa.text(
            "DELETE FROM jobresult WHERE id NOT IN "
            "(SELECT MIN(id) FROM jobresult GROUP BY job_id, seq)"
        )
    )
    with op.batch_alter_table("jobresult", schema=None) as batch_op:
        batch_op.drop_index("ix_jobresult_job_seq")
        batch_op.create_index("ix_jobresult_job_seq", ["job_id", "seq"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("jobresult", schema=None) as batch_op:
        batch_op.drop_index("ix_jobresult_job_seq")
        batch_op.create_index("ix_jobresult_job_seq", ["job_id", "seq"], unique=False)
