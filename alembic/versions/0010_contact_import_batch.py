"""contacts.import_batch: the CSV import that last created or updated a contact

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_batch", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.create_index("ix_contacts_import_batch", ["import_batch"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_import_batch")
        batch_op.drop_column("import_batch")
