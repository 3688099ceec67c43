"""prompt propensity and context: what live data needs to evaluate and train the next model

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-05 09:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('prompt') as batch:
        batch.add_column(sa.Column('propensity', sa.Float(), nullable=True))
        batch.add_column(sa.Column('context', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('prompt') as batch:
        batch.drop_column('context')
        batch.drop_column('propensity')
