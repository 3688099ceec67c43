"""A language model as the customer's voice, for a center that has one; the template voice stays the default.

The engine still decides everything that is scored (mood, triggers, the goal); the model only words the
moment. ``ModelVoice`` turns a ``Cue`` into a prompt (who the customer is, what they want, how they feel,
what just happened, what the trainee said), asks the center's ``TextModel`` for one line, and keeps the
answer per cue so the same conversation replays word for word in this process (a center running several
workers passes a shared ``cache``, or a model that is deterministic at temperature 0). When the model
answers nothing usable or fails, the template voice speaks instead: a practice session never stalls on it.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Protocol

from simulator.practice.voice import Cue, CustomerVoice, TemplateVoice, mood_band

__all__ = ["ModelVoice", "TextModel", "cue_key"]

log = logging.getLogger(__name__)

MAX_CHARS = 400
_MOMENTS = {
    "opening": "You have just been connected. Say why you are contacting them.",
    "goal_met": "The agent has just done what you wanted. Say so, and that it is sorted.",
    "demand_supervisor": "You have had enough of this agent. Demand a manager or supervisor.",
    "hang_up": "You are ending the conversation now. Say goodbye curtly.",
    "threaten_cancel": "Threaten to cancel your account.",
    "threaten_complaint": "Say you will make a formal complaint.",
    "overwhelmed": "You are overwhelmed and confused.",
}


class TextModel(Protocol):
    def complete(self, prompt: str) -> str:
        """The model's text for ``prompt``; may raise or return nothing, the voice copes."""
        ...


def cue_key(cue: Cue) -> str:
    """What identifies a cue for the cache: the same key always gets the same words."""
    return "|".join([cue.scenario.name, str(cue.seed), str(cue.turn), cue.moment, f"{cue.mood:.3f}",
                     cue.agent_action or "", cue.agent_text])


class ModelVoice:
    """Words each cue with ``model``; ``fallback`` (the template voice by default) when it cannot."""

    def __init__(self, model: TextModel, fallback: CustomerVoice | None = None,
                 cache: MutableMapping[str, str] | None = None) -> None:
        self.model = model
        self.fallback: CustomerVoice = fallback or TemplateVoice()
        self.cache: MutableMapping[str, str] = {} if cache is None else cache

    def prompt(self, cue: Cue) -> str:
        """The instruction the model gets for ``cue``."""
        persona = cue.scenario.persona
        what = _MOMENTS.get(cue.moment, f"React to what the agent just did ({cue.moment.replace('_', ' ')}).")
        said = (f'The agent said: "{cue.agent_text}"' if cue.agent_text else
                f"The agent did: {cue.agent_action.replace('_', ' ')}" if cue.agent_action else "")
        return "\n".join(line for line in (
            f"You are {persona.name}, a customer contacting a company by {cue.scenario.channel}. {persona.summary}",
            f"What you want: {persona.goal}. Your temperament: {persona.temperament}.",
            f"Your mood now: {mood_band(cue.mood)} ({cue.mood:+.2f} on -1..1); patience left: {cue.patience}.",
            said, what,
            "Answer with one short line the customer says, nothing else.") if line)

    def say(self, cue: Cue) -> str:
        key = cue_key(cue)
        if key in self.cache:
            return self.cache[key]
        try:
            text = " ".join(self.model.complete(self.prompt(cue)).split())
        except Exception:  # noqa: BLE001 - any model failure falls back to the template voice
            log.warning("customer voice model failed; using the template voice", exc_info=True)
            text = ""
        if not text or len(text) > MAX_CHARS:
            text = self.fallback.say(cue)
        self.cache[key] = text
        return text
