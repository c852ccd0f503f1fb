"""the console speaks the operator's language: an operator's chosen language, offer texts per language

Revision ID: 0008_i18n
Revises: 0007_linear
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_i18n"
down_revision = "0007_linear"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operator", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=True))
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("translations", sa.Text(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_column("translations")
    with op.batch_alter_table("operator", schema=None) as batch_op:
        batch_op.drop_column("language")
