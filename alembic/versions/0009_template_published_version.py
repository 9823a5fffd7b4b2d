"""template published version

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 17:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import reach_app.db.types  # noqa: F401


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('templates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_version', sa.Integer(), nullable=True))
    # templates published before versions were tracked: their newest version is the published one
    op.execute(
        "UPDATE templates SET published_version = current_version WHERE status = 'PUBLISHED'"
    )


def downgrade() -> None:
    with op.batch_alter_table('templates', schema=None) as batch_op:
        batch_op.drop_column('published_version')
