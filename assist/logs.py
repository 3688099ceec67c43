"""Structured JSON logging: one line per event, machine-readable, with the request id when there is one.

Every line passes through ``RedactSecrets`` first: a credential in a URL's query (``?token=``, ``?ticket=``,
which browsers put on websocket URLs) never reaches the log, whichever logger wrote the line (uvicorn's
access and websocket lines included, which print the full path and query).
"""

from __future__ import annotations

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

_SECRET_IN_QUERY = re.compile(r"((?:token|ticket)=)[^&\s\"']+", re.IGNORECASE)
"""A ``token=`` or ``ticket=`` (``access_token=`` too) query value: everything up to the next ``&``, space or
quote."""
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with every ``token=``/``ticket=`` value replaced by ``[redacted]``."""
    if "token=" not in text.lower() and "ticket=" not in text.lower():
        return text
    return _SECRET_IN_QUERY.sub(rf"\g<1>{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """Rewrites a record whose message or string fields carry a query credential; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed call: the handler reports it as logging always did
            return True
        cleaned = redact(message)
        if cleaned is not message:
            record.msg, record.args = cleaned, None
        for name, value in vars(record).items():  # extra={...} fields, e.g. a path with its query
            if name not in _PLAIN_FIELDS and isinstance(value, str):
                cleaned = redact(value)
                if cleaned is not value:
                    setattr(record, name, cleaned)
        return True


_PLAIN_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
"""The attributes every record has (its message is handled on its own): what is left are ``extra`` fields."""


def configure_logging(level: str = "INFO", json_lines: bool = True) -> None:
    """Route the root logger (and uvicorn's) to stdout as JSON lines, secrets redacted; idempotent."""
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(RedactSecrets())
    if json_lines:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "ts", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # A library's warning (pydantic, scikit-learn) would otherwise be a bare line on stderr among the JSON lines,
    # which a log shipper cannot parse: it becomes a WARNING record of the "py.warnings" logger instead.
    logging.captureWarnings(True)
