"""When the customer's reply comes: people read, think and type on chat, and pause and talk on the phone.

A reply's delay after the trainee's turn is drawn from ranges that match ordinary people (reading about
240 words a minute, typing 35-70, speaking about 150, a pause of a third of a second to a second and a half
before answering on the phone, a few seconds of thought on chat), with a generator the caller seeds, so a
replay gives the same times. An upset customer on the phone who cuts across a long answer barely pauses.
"""

from __future__ import annotations

import random

__all__ = ["reply_delay"]

READ_WORDS_PER_SECOND = 4.0
SPEAK_WORDS_PER_SECOND = 2.5


def _words(text: str) -> int:
    return len(text.split())


def reply_delay(channel: str, agent_text: str, reply: str, rng: random.Random, *,
                interrupting: bool = False) -> float:
    """Seconds from the trainee's turn to the customer's ``reply`` on ``channel`` (phone, chat or email)."""
    if channel == "phone":
        pause = rng.uniform(0.1, 0.3) if interrupting else rng.uniform(0.3, 1.5)
        return round(pause + _words(reply) / SPEAK_WORDS_PER_SECOND, 2)
    read = _words(agent_text) / READ_WORDS_PER_SECOND
    think = rng.uniform(1.0, 4.0)
    typing = len(reply) / rng.uniform(3.0, 6.0)
    return round(read + think + typing, 2)
