"""A practice scenario from a real closed journey, masked: trainees meet the problems customers really had.

``scenario_from_journey`` reads a closed journey as the journey store keeps it (reason, channels,
transcript, the steps done) and writes a scenario: the customer's own first words open it, their later
words are what they restate, the step that closed the journey is what resolves it (after verification
when the journey verified first and the reason touches the account), and the other steps done are helpful.
Everything the customer said is masked first (``mask_text``): e-mail addresses, phone, card and account
numbers, postcodes, dates and the name they gave become placeholders, so a trainer never sees who it was.
The persona is generic (an anonymous customer whose starting mood comes from how upset their first words
sound); the triggers are the library's usual ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from simulator.practice.scenario import Channel, Lines, Persona, Policy, Scenario, Trigger
from simulator.world.catalog import ACCOUNT_REASONS, ACTIONS, CHANNELS, REASONS

__all__ = ["mask_text", "scenario_from_journey"]

_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"\b(?:my name is|this is|i'm|i am|name's)\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?", re.IGNORECASE),
     "my name is [name]"),
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE), "[postcode]"),
    (re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:January|February|"
                r"March|April|May|June|July|August|September|October|November|December)\s+\d{4}\b",
                re.IGNORECASE), "[date]"),
    (re.compile(r"(?<![\d.])(?:\+?\d[\d\s-]{5,}\d)(?!\d)"), "[number]"),
)
_UPSET = re.compile(r"\b(?:angry|furious|ridiculous|unacceptable|useless|again|still|fed up|joke|worst|"
                    r"disgusting|third time|complain)\b", re.IGNORECASE)


def mask_text(text: str) -> str:
    """``text`` with personal details replaced by placeholders (amounts like 35.00 are kept)."""
    for pattern, placeholder in _MASKS:
        text = pattern.sub(placeholder, text)
    return text


def scenario_from_journey(journey: Mapping[str, Any], name: str | None = None) -> Scenario:
    """A scenario built from ``journey`` (a closed journey's fields, as stored).

    Raises ValueError when the journey is not closed, has no customer words, or no step done that could
    resolve it.
    """
    if journey.get("status") != "closed":
        raise ValueError("only a closed journey can become a scenario")
    reason = str(journey.get("reason", ""))
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    channels = [c for c in journey.get("channels", []) if c in CHANNELS] or ["phone"]
    said = [mask_text(str(t["text"])).replace("{", "{{").replace("}", "}}") for t in journey.get("transcript", [])
            if t.get("speaker") == "customer" and str(t.get("text", "")).strip()]
    if not said:
        raise ValueError("the journey has no customer words to build a scenario from")
    steps = [s for s in journey.get("steps_done", []) if s in ACTIONS]
    closing = [s for s in steps if s not in ("verify_identity", "apologise_acknowledge", "close_with_survey")]
    if not closing:
        raise ValueError("the journey has no step done that resolved it")
    verified = "verify_identity" in steps and reason in ACCOUNT_REASONS
    upset = len(_UPSET.findall(said[0]))
    journey_id = str(journey.get("id", "journey"))
    persona = Persona(name="Customer (masked)", temperament="angry" if upset >= 2 else "calm",
                      start_mood=-0.6 if upset >= 2 else -0.45 if upset else -0.3, patience=6,
                      summary=f"A real {reason.replace('_', ' ')} contact ({journey_id}), masked.",
                      goal=f"what the real agent did: {closing[-1].replace('_', ' ')}")
    restate = tuple(said[1:4]) or (said[0],)
    return Scenario(
        name=name or f"journey_{re.sub(r'[^a-z0-9]+', '_', journey_id.lower()).strip('_')}",
        title=f"From a real journey: {reason.replace('_', ' ')}", reason=reason,
        channel=_channel(channels[0]), persona=persona,
        policy=Policy(resolves=frozenset({closing[-1]}), requires_verification=verified,
                      needs=frozenset({"verified"}) if verified else frozenset(),
                      helpful=frozenset(closing[:-1]) - {closing[-1]}),
        triggers=(Trigger("mood_below", "demand_supervisor", -0.75), Trigger("patience_out", "threaten_complaint"),
                  Trigger("mood_below", "hang_up", -0.95)),
        lines=Lines(opening=(said[0],), restate=restate,
                    goal_met=("Okay, that's great, thank you.", "Right, that's all sorted then. Thanks."),
                    verify_pass=("Yes, my details are [date] and [postcode].",)),
        hints=("verify_identity", closing[-1]) if verified else (closing[-1],))


def _channel(value: str) -> Channel:
    return "chat" if value == "chat" else "email" if value == "email" else "phone"
