"""billing: prices per channel and message type; ledger refunds, notes and authors

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 17:33:12.077037
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

import reach_app.db.types  # noqa: F401


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('balance_transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_of_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('created_by', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500),
                                      nullable=False, server_default=''))
        batch_op.create_unique_constraint('uq_balance_tx_refund_of', ['refund_of_id'])
        batch_op.create_foreign_key('fk_balance_tx_created_by', 'users', ['created_by'], ['id'],
                                    ondelete='SET NULL')

    # existing prices become their channel's default ("" = every message type)
    with op.batch_alter_table('channel_prices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_type', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=False, server_default=''))
        batch_op.drop_constraint('uq_channel_price', type_='unique')
        batch_op.create_unique_constraint('uq_channel_price',
                                          ['organization_id', 'channel', 'message_type'])


def downgrade() -> None:
    op.execute("DELETE FROM channel_prices WHERE message_type <> ''")
    with op.batch_alter_table('channel_prices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_channel_price', type_='unique')
        batch_op.create_unique_constraint('uq_channel_price', ['organization_id', 'channel'])
        batch_op.drop_column('message_type')

    with op.batch_alter_table('balance_transactions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_balance_tx_created_by', type_='foreignkey')
        batch_op.drop_constraint('uq_balance_tx_refund_of', type_='unique')
        batch_op.drop_column('note')
        batch_op.drop_column('created_by')
        batch_op.drop_column('refund_of_id')
