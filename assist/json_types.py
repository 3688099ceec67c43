"""Payload field types that mean what JSON Schema means, where pydantic's lax mode means something else."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator


def _json_integer(value: object) -> object:
    """JSON Schema's ``integer`` (``2.0`` too), never ``true`` or ``"3"``, which pydantic's lax mode accepts."""
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON integer")
    return value


JsonInteger = Annotated[int, BeforeValidator(_json_integer)]
"""An ``int`` field a generated client and the service agree on; add bounds with ``Field`` as usual."""
