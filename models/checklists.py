"""Checklists: per contact reason, the steps an agent must cover, ticked automatically (Balto-style).

A step is ticked when the journey shows it done (a step or an action recorded in ``steps_done``) or when
something the agent said matches one of its phrases. The result says which evidence ticked each item, so
adherence analytics can count covered steps per agent and reason, and a wrong tick can be traced.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["DEFAULT_CHECKLISTS", "ChecklistItemStatus", "ChecklistStatus", "Checklists", "load_checklists"]

DEFAULT_CHECKLISTS = Path(__file__).with_name("checklists.json")


@dataclass(frozen=True, slots=True)
class ChecklistItemStatus:
    id: str
    label: str
    done: bool
    evidence: str | None
    """``step:<name>`` or ``said:<phrase matched>``; None while not done."""


@dataclass(frozen=True, slots=True)
class ChecklistStatus:
    reason: str
    items: tuple[ChecklistItemStatus, ...]

    @property
    def adherence(self) -> float:
        """Share of the reason's items covered so far (1.0 for an empty checklist)."""
        return sum(i.done for i in self.items) / len(self.items) if self.items else 1.0

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(i.label for i in self.items if not i.done)


@dataclass(frozen=True)
class _Item:
    id: str
    label: str
    steps: frozenset[str]
    phrases: re.Pattern[str] | None


class Checklists:
    def __init__(self, items: dict[str, _Item], reasons: dict[str, tuple[str, ...]], default: tuple[str, ...]) -> None:
        self.items, self.reasons, self.default = items, reasons, default

    def tick(self, reason: str, steps_done: Iterable[str], agent_said: Iterable[str]) -> ChecklistStatus:
        """The checklist of ``reason`` with every item ticked by a done step or by the agent's words."""
        done = set(steps_done)
        said = list(agent_said)
        out = []
        for item_id in self.reasons.get(reason, self.default):
            item = self.items[item_id]
            evidence = next((f"step:{s}" for s in sorted(item.steps & done)), None)
            if evidence is None and item.phrases is not None:
                for text in said:
                    if match := item.phrases.search(text):
                        evidence = f"said:{match.group(0)}"
                        break
            out.append(ChecklistItemStatus(item.id, item.label, evidence is not None, evidence))
        return ChecklistStatus(reason, tuple(out))


@lru_cache(maxsize=4)
def load_checklists(path: str | Path = DEFAULT_CHECKLISTS) -> Checklists:
    """The checklists in ``path`` (default: the packaged ones); raises ValueError on an unknown item id."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    items = {
        k: _Item(k, v["label"], frozenset(v.get("steps", ())),
                 re.compile("|".join(f"(?:{p})" for p in v["phrases"]), re.I) if v.get("phrases") else None)
        for k, v in raw["items"].items()}
    reasons = {r: tuple(ids) for r, ids in raw["reasons"].items()}
    for ids in (*reasons.values(), tuple(raw.get("default", ()))):
        if unknown := [i for i in ids if i not in items]:
            raise ValueError(f"checklist names unknown items: {unknown}")
    return Checklists(items, reasons, tuple(raw.get("default", ())))
