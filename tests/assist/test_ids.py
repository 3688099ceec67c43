"""Generated ids: what each names, and room enough that the prompt log's keys do not collide."""

from __future__ import annotations

import re

from assist.guidance.interface import Prompt
from assist.ids import new_id
from assist.stream.protocol import Envelope


def test_an_id_is_its_prefix_and_64_random_bits_in_hex():
    ids = {new_id("P-") for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(re.fullmatch(r"P-[0-9a-f]{16}", i) for i in ids)


def test_prompts_and_messages_get_fresh_ids():
    assert re.fullmatch(r"P-[0-9a-f]{16}", Prompt(action="a", title="t", text="x", confidence=0.5).id)
    assert Envelope(type="pong").id != Envelope(type="pong").id
