"""The automatic contact summary, built by the service itself from the journey and its transcript.

Extractive, no hosted model: the reason, what was done and what is still pending come from the journey's
structured state (steps, pending steps, the reason's checklist), the outcome from the close, and the
customer's key statements are picked from their own lines by a small score (negative feeling, an amount, an
order or reference number, how much the line says). Everything is written in plain words, never raw ids, and
personal details are masked before a line is picked: the summary is stored in history and shown to the next
agent, so it must not carry what the context card would withhold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from assist.customers.masking import mask_email
from assist.journeys.state import JourneyState, Turn
from models.catalog import load_catalog
from models.checklists import load_checklists
from models.language.sentiment import sentiment

__all__ = ["SUMMARY_MAX", "ContactSummary", "build_summary", "key_statements", "private_values", "scrub"]

SUMMARY_MAX = 1000
"""Characters kept in a summary (the wrap-up form's limit too)."""
STATEMENT_MAX = 160
MIN_PRIVATE_LENGTH = 3
"""Private values shorter than this (an initial) would match ordinary words; they are not searched for."""
PRIVATE_FIELDS = ("name", "email", "phone", "account_number", "address", "date_of_birth")
NOTED_SKIPPED = frozenset({*PRIVATE_FIELDS, "card", "card_number", "iban", "password", "pin", "postcode"})
"""Collected fields never repeated in a summary, whatever their value."""

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LONG_NUMBER = re.compile(r"(?<![\w.,-])\+?(?:\d[ -]?){7,}\d(?![\w])")
"""Eight or more digits (a card, phone or account number, a date of birth), spaces or dashes between."""
_AMOUNT = re.compile(r"[$£€]\s?\d[\d,]*(?:\.\d{1,2})?|\b\d[\d,]*(?:\.\d{2})\b|"
                     r"\b\d+(?:\.\d+)?\s?(?:dollars?|pounds?|euros?|usd|gbp|eur)\b", re.IGNORECASE)
_REFERENCE = re.compile(r"\b(?:order|ref(?:erence)?|ticket|case|invoice|parcel)\s*(?:number|no\.?)?\s*[:#]?\s*"
                        r"[A-Z0-9-]*\d[A-Z0-9-]*\b|\b[A-Z]{1,4}-\d{3,}\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9']+")


class ContactSummary(BaseModel):
    """A summary's parts (what tests and the panel read) and its text (what is stored and edited)."""

    reason: str
    done: list[str]
    pending: list[str]
    outcome: str
    noted: list[str]
    key_statements: list[str]
    text: str


def words(name: str) -> str:
    """``billing_dispute`` -> ``billing dispute``."""
    return name.replace("_", " ").strip()


@lru_cache(maxsize=1)
def _titles() -> dict[str, str]:
    """Catalog action titles and checklist labels by id (the same words ``GET /v1/words`` gives the panel)."""
    checklists = load_checklists()
    return {**{k: v.label for k, v in checklists.items.items()}, **{a.id: a.title for a in load_catalog().actions}}


def plain_step(step: str) -> str:
    """A step or action id in plain words: the catalog's title or the checklist's label, else its words."""
    title = _titles().get(step)
    return title[:1].lower() + title[1:] if title else words(step)


def private_values(customer: Mapping[str, Any] | None) -> list[str]:
    """The customer's personal values to mask wherever they appear in free text: each field's value, and each
    part of the name on its own (a caller says "this is Sam", not "this is Sam Jones")."""
    if not customer:
        return []
    values = [str(customer[f]) for f in PRIVATE_FIELDS if customer.get(f)]
    if customer.get("name"):
        values += str(customer["name"]).split()
    return [v for v in values if len(v) >= MIN_PRIVATE_LENGTH]


def scrub(text: str, private: Iterable[str] = ()) -> str:
    """``text`` with the customer's own values, e-mail addresses and long numbers masked ("number ending
    0194"); amounts and order references stay, they are what the next agent needs."""
    values = sorted(set(private), key=len, reverse=True)   # longest first: "Sam Carter" before "Sam"
    if values:
        pattern = re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, values))})(?!\w)", re.IGNORECASE)
        text = pattern.sub("[personal detail]", text)
    text = _EMAIL.sub(lambda m: mask_email(m.group()), text)
    return _LONG_NUMBER.sub(lambda m: f"[number ending {''.join(c for c in m.group() if c.isdigit())[-4:]}]", text)


def _score(text: str) -> float:
    """How much a customer line is worth keeping: feeling, facts, and substance."""
    score = max(0.0, -sentiment(text)) * 2.0
    if _AMOUNT.search(text):
        score += 1.5
    if _REFERENCE.search(text):
        score += 1.5
    return score + min(len(_WORD.findall(text)), 25) / 25


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= STATEMENT_MAX else text[:STATEMENT_MAX - 1].rstrip() + "…"


def key_statements(transcript: Iterable[Turn], *, since: float | None = None, private: Iterable[str] = (),
                   limit: int = 3) -> list[str]:
    """Up to ``limit`` of the customer's lines (said at or after ``since``), masked, best first by score and
    then shown in the order they were said. Lines under three words with no amount or reference ("ok",
    "thanks") are never picked."""
    private = list(private)
    picked: list[tuple[float, int, str]] = []
    seen: set[str] = set()
    for at, turn in enumerate(transcript):
        if turn.speaker != "customer" or (since is not None and turn.at < since):
            continue
        text = _shorten(scrub(turn.text, private))
        facts = bool(_AMOUNT.search(text) or _REFERENCE.search(text))
        if text.casefold() in seen or (len(_WORD.findall(text)) < 3 and not facts):
            continue
        seen.add(text.casefold())
        picked.append((_score(text), at, text))
    best = sorted(picked, key=lambda p: (-p[0], p[1]))[:limit]
    return [text for _, _, text in sorted(best, key=lambda p: p[1])]


def _noted(collected: Mapping[str, Any], private: list[str]) -> list[str]:
    notes = []
    for key, value in collected.items():
        if key.casefold() in NOTED_SKIPPED or isinstance(value, bool) or value in (None, ""):
            continue
        text = scrub(str(value), private)
        if len(text) <= 40:
            notes.append(f"{words(key)} {text}")
    return notes


def _listed(items: list[str], empty: str) -> str:
    return "; ".join(items) if items else empty


def build_summary(journey: JourneyState | None, *, reason: str, outcome: str, since: float | None = None,
                  private: Iterable[str] = (), statements: int = 3) -> ContactSummary:
    """The summary of one contact on ``journey`` (None: a contact that had no journey), ending in ``outcome``.

    ``since``: when this contact began; only the customer's lines from then on are candidates for key
    statements (a journey carries earlier contacts' lines too). ``private``: the customer's values to mask
    (``private_values``). A journey erased meanwhile has no transcript or collected fields left, so nothing
    of the person reaches the summary.
    """
    private = list(private)
    done = [plain_step(s) for s in journey.steps_done] if journey else []
    pending = [plain_step(s) for s in journey.pending] if journey else []
    if journey is not None:
        agent_said = [t.text for t in journey.transcript if t.speaker == "agent"]
        status = load_checklists().tick(journey.reason, journey.steps_done, agent_said)
        pending += [label[:1].lower() + label[1:] for label in status.missing
                    if label[:1].lower() + label[1:] not in pending]
    noted = _noted(journey.collected, private) if journey else []
    said = key_statements(journey.transcript, since=since, private=private, limit=statements) if journey else []
    lines = [f"Reason: {words(reason)}.", f"Done: {_listed(done, 'nothing recorded')}.",
             f"Still to do: {_listed(pending, 'nothing')}.", f"Outcome: {words(outcome)}."]
    if noted:
        lines.append(f"Noted: {'; '.join(noted)}.")
    lines += [f'Customer said: "{s}"' for s in said]
    text = "\n".join(lines)
    if len(text) > SUMMARY_MAX:
        text = text[:SUMMARY_MAX - 1].rstrip() + "…"
    return ContactSummary(reason=words(reason), done=done, pending=pending, outcome=words(outcome), noted=noted,
                          key_statements=said, text=text)
