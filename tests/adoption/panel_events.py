"""A known set of panel events on top of ``tests.adoption.events`` whose panel use the tests work out by hand.

Contacts (from ``known_events``, plus S4): S1 (A1, red) 300 s and S2 (A2, blue) 600 s, both ending at
``NOW - 5 min``; S4 (A1) 120 s with no panel event at all; S3 still going.

- S1 starts at T = NOW - 10 min: visible at T - 30 s (before the contact: counts from T), hidden at T + 60 s
  (60 s); visible at T + 100 s with no hidden after it (counts to the close, T + 300 s: 200 s); visible again
  at T + 360 s, after the close (0 s). Card sections opened at T + 110 s and T + 120 s, an article at T + 130 s.
  In view: 260 s of 300.
- S2 starts at U = NOW - 15 min: visible at U, hidden at U + 100 s (100 s), hidden again at U + 150 s (nothing),
  visible at U + 500 s and again at U + 550 s (50 s + 50 s, to the close at U + 600 s), hidden at U + 700 s.
  Two articles opened. In view: 200 s of 600.
- S3 (open): visible at NOW - 2 min, a card view: not counted (no closed contact).
- A practice event on S1 that a live report never counts.
"""

from __future__ import annotations

from datetime import timedelta

from assist.panel_use.tables import PanelEvent
from assist.stores.sql import Database
from tests.adoption.events import NOW, add_contact, known_events

S1_START = NOW - timedelta(minutes=10)
S2_START = NOW - timedelta(minutes=15)
EVENTS = [
    ("S1", "A1", "panel_visible", "", S1_START - timedelta(seconds=30)),
    ("S1", "A1", "panel_hidden", "", S1_START + timedelta(seconds=60)),
    ("S1", "A1", "panel_visible", "", S1_START + timedelta(seconds=100)),
    ("S1", "A1", "card_view", "history", S1_START + timedelta(seconds=110)),
    ("S1", "A1", "card_view", "journey", S1_START + timedelta(seconds=120)),
    ("S1", "A1", "article_view", "kb-refund-policy", S1_START + timedelta(seconds=130)),
    ("S1", "A1", "panel_visible", "", S1_START + timedelta(seconds=360)),
    ("S2", "A2", "panel_visible", "", S2_START),
    ("S2", "A2", "panel_hidden", "", S2_START + timedelta(seconds=100)),
    ("S2", "A2", "panel_hidden", "", S2_START + timedelta(seconds=150)),
    ("S2", "A2", "article_view", "kb-complaints", S2_START + timedelta(seconds=200)),
    ("S2", "A2", "article_view", "kb-complaints", S2_START + timedelta(seconds=210)),
    ("S2", "A2", "panel_visible", "", S2_START + timedelta(seconds=500)),
    ("S2", "A2", "panel_visible", "", S2_START + timedelta(seconds=550)),
    ("S2", "A2", "panel_hidden", "", S2_START + timedelta(seconds=700)),
    ("S3", "A3", "panel_visible", "", NOW - timedelta(minutes=2)),
    ("S3", "A3", "card_view", "history", NOW - timedelta(minutes=1)),
]


async def known_panel_events(db: Database) -> None:
    await known_events(db)
    await add_contact(db, "S4", "A1", "general", [], outcome="resolved", seconds=120)
    async with db.session() as s:
        for n, (session_id, agent_id, kind, ref, at) in enumerate(EVENTS):
            s.add(PanelEvent(id=f"PE-{n:02d}", session_id=session_id, agent_id=agent_id, kind=kind, ref=ref,
                             channel="chat", queue="refund", at=at))
        s.add(PanelEvent(id="PE-practice", session_id="S1", agent_id="A1", kind="card_view", ref="history",
                         practice=True, at=S1_START + timedelta(seconds=10)))
