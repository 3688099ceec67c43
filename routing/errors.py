"""The routing package's one error type: a machine ``code``, an HTTP ``status_code``, a ``detail``.

The app turns it into an RFC 9457 problem body (HTTP) or an ``error`` message (websocket).
"""

from __future__ import annotations

__all__ = ["RoutingError"]


class RoutingError(Exception):
    """A refused routing request, e.g. ``RoutingError("unknown_reservation", 404, "no reservation r1")``."""

    def __init__(self, code: str, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.status_code = status_code
        self.detail = detail

    def __repr__(self) -> str:
        return f"RoutingError({self.code!r}, {self.status_code}, {self.detail!r})"
