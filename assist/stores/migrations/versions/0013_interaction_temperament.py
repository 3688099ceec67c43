"""interaction temperament: what each contact's words showed, remembered for the customer's next contacts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 15:15:00.000000

Two nullable columns: rows written before stay without a detection (the memory starts empty for everyone).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('temperament', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('temperament_confidence', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_column('temperament_confidence')
        batch_op.drop_column('temperament')
