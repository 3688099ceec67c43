"""The model registry's tables: every registered version, and each promotion or rollback.

Apart from the registry's code so that the SQL store can register them without importing the registry, which
itself needs the store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from assist.stores.tables import _json, _when

__all__ = ["ModelPromotion", "ModelVersion"]


class ModelVersion(SQLModel, table=True):
    __tablename__ = "model_version"
    version: str = Field(primary_key=True, max_length=96)
    path: str
    """Directory name under the registry root (relative, so the data dir can move)."""
    data_hash: str = Field(max_length=64)
    status: str = Field(default="registered", index=True)
    """registered, shadow (a candidate scored on live contexts, not shown; at most one), or promoted (exactly one
    at a time)."""
    features: list[str] = _json(list)
    metrics: dict[str, Any] = _json()
    created_at: datetime = _when()
    promoted_at: datetime | None = _when(nullable=True)


class ModelPromotion(SQLModel, table=True):
    __tablename__ = "model_promotion"
    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=96, index=True)
    previous: str | None = Field(default=None, max_length=96)
    kind: str = "promote"
    """promote or rollback."""
    at: datetime = _when()
