"""A live event's commit: one round trip on the worker that holds the session, and nothing written when
the session or the journey moved behind that worker's back (against the real Redis and SQL stores)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assist.journeys.state import JourneyState
from assist.journeys.store import JourneyStore, LiveRead
from assist.sessions.live import LiveSessions
from assist.sessions.state import SessionState, SessionStore
from assist.stores.redis import RedisStore
from assist.stores.tables import Customer
from assist.stream.outbox import Outbox
from assist.stream.protocol import Envelope
from tests.conftest import key_prefix


@dataclass
class Stores:
    redis: RedisStore
    sessions: SessionStore
    journeys: JourneyStore
    outbox: Outbox

    def live(self, single_node: bool | None = None, capacity: int = 100) -> LiveSessions:
        return LiveSessions(self.sessions, self.journeys, self.outbox, single_node=single_node, capacity=capacity)

    def exchanges(self) -> int:
        return self.redis.commands.exchanges


@pytest.fixture
async def stores(redis_url, database):
    redis = RedisStore(redis_url, key_prefix(redis_url))
    yield Stores(redis, SessionStore(redis.client, redis.keys, 60, redis.commands),
                 JourneyStore(redis.client, redis.keys, database, 60, redis.commands),
                 Outbox(redis.client, redis.keys, 100, 60, redis.commands))
    await redis.close()


async def open_session(stores: Stores, customer_id: str | None = None) -> SessionState:
    journey = await stores.journeys.create(customer_id, "refund")
    state = SessionState(agent_id="A1", channel="chat", reason="refund", status="open", journey_id=journey.id)
    await stores.sessions.put(state)
    return state


def note(text: str) -> list[Envelope]:
    return [Envelope(type="prompt", data={"text": text})]


@pytest.mark.single_node
async def test_an_event_on_a_session_this_worker_read_is_one_round_trip(stores):
    live = stores.live()
    state = await open_session(stores)
    snapshot = await live.read(state.id)
    before = stores.exchanges()
    journey = snapshot.journey_state()
    journey.mark_done("identity_verified")
    assert await live.commit(live.get(state.id), journey, note("verified")) == [1]
    assert stores.exchanges() - before == 1
    assert (await stores.journeys.get(journey.id)).steps_done == ["identity_verified"]


@pytest.mark.single_node
async def test_consecutive_commits_build_on_the_kept_snapshot(stores):
    live = stores.live()
    state = await open_session(stores)
    await live.read(state.id)
    for step in ("a", "b", "c"):
        snapshot = live.get(state.id)
        journey = snapshot.journey_state()
        journey.mark_done(step)
        assert await live.commit(snapshot, journey, note(step)) is not None
    messages, _ = await stores.outbox.since("A1", 0)
    assert (await stores.journeys.get(state.journey_id)).steps_done == ["a", "b", "c"]
    assert [m.data["text"] for m in messages] == ["a", "b", "c"]


async def committed(live: LiveSessions, session_id: str, step: str) -> tuple[LiveRead, JourneyState]:
    """One event on the kept snapshot: the write it committed and the journey it committed."""
    snapshot = live.get(session_id)
    journey = snapshot.journey_state()
    journey.mark_done(step)
    assert await live.commit(snapshot, journey, note(step)) is not None
    return snapshot.journey, journey


async def first_event(stores: Stores) -> tuple[LiveSessions, SessionState, LiveRead, JourneyState]:
    """A session read by this worker and one event committed on it (not yet handed back)."""
    live = stores.live()
    state = await open_session(stores)
    await live.read(state.id)
    return live, state, *await committed(live, state.id, "a")


@pytest.mark.single_node
async def test_the_next_event_takes_the_journey_its_predecessor_committed_and_handed_back(stores):
    live, state, written, journey = await first_event(stores)
    live.get(state.id).hand_back(written, journey)
    taken = live.get(state.id).journey_state()
    assert taken is journey
    assert taken == await stores.journeys.get(state.journey_id)


@pytest.mark.single_node
async def test_a_handed_back_journey_is_taken_by_one_event_only(stores):
    live, state, written, journey = await first_event(stores)
    snapshot = live.get(state.id)
    snapshot.hand_back(written, journey)
    first, second = snapshot.journey_state(), snapshot.journey_state()
    assert first is journey and second is not journey
    assert second == journey


@pytest.mark.single_node
async def test_a_journey_handed_back_after_a_later_write_is_not_used(stores):
    live, state, written, journey = await first_event(stores)
    await committed(live, state.id, "b")  # another event committed before the first handed its journey back
    live.get(state.id).hand_back(written, journey)
    assert live.get(state.id).journey_state().steps_done == ["a", "b"]


@pytest.mark.single_node
async def test_a_session_changed_elsewhere_makes_the_commit_write_nothing(stores):
    live = stores.live()
    state = await open_session(stores)
    snapshot = await live.read(state.id)
    state.status = "closed"
    await stores.sessions.put(state)
    journey = snapshot.journey_state()
    journey.mark_done("too_late")
    assert await live.commit(snapshot, journey, note("too late")) is None
    assert (await stores.journeys.get(journey.id)).steps_done == []
    assert await stores.outbox.last_seq("A1") == 0
    assert live.get(state.id) is None


@pytest.mark.parametrize("single_node", [pytest.param(True, marks=pytest.mark.single_node, id="one-script"),
                                         pytest.param(False, id="per-key")])
async def test_a_journey_moved_elsewhere_makes_the_commit_write_nothing(stores, single_node):
    live = stores.live(single_node)
    state = await open_session(stores)
    snapshot = await live.read(state.id)
    await stores.journeys.update(state.journey_id, lambda j: j.mark_done("other_worker"))
    journey = snapshot.journey_state()
    journey.mark_done("stale")
    assert await live.commit(snapshot, journey, note("stale")) is None
    assert (await stores.journeys.get(journey.id)).steps_done == ["other_worker"]
    assert await stores.outbox.last_seq("A1") == 0


async def test_on_a_cluster_no_snapshot_is_kept_and_the_commit_takes_two_round_trips(stores):
    live = stores.live(single_node=False)
    state = await open_session(stores)
    snapshot = await live.read(state.id)
    assert live.get(state.id) is None
    before = stores.exchanges()
    assert await live.commit(snapshot, snapshot.journey_state(), note("hello")) == [1]
    assert stores.exchanges() - before == 2


async def test_read_of_an_unknown_session_is_none(stores):
    assert await stores.live().read("S-missing") is None


async def test_read_warms_an_expired_journey_from_sql(stores, database):
    async with database.session() as s:
        s.add(Customer(id="C-live"))
    state = await open_session(stores, customer_id="C-live")
    await stores.redis.client.delete(stores.journeys.key(state.journey_id))
    snapshot = await stores.live().read(state.id)
    assert snapshot.journey_state().id == state.journey_id


async def test_read_of_an_open_session_whose_journey_is_gone_raises_key_error(stores):
    state = await open_session(stores)  # no customer: never persisted to SQL
    await stores.redis.client.delete(stores.journeys.key(state.journey_id))
    with pytest.raises(KeyError):
        await stores.live().read(state.id)


@pytest.mark.single_node
async def test_a_remembered_session_is_kept_only_while_open(stores):
    live = stores.live()
    closed = SessionState(agent_id="A1", channel="chat", reason="r", status="closed", journey_id="J-1")
    live.remember(closed.model_dump_json(), LiveRead("J-1", "1", "{}"))
    assert live.get(closed.id) is None


@pytest.mark.single_node
async def test_the_oldest_snapshot_goes_first_when_full(stores):
    live = stores.live(capacity=2)
    states = [SessionState(agent_id="A1", channel="chat", reason="r", status="open", journey_id="J-1")
              for _ in range(3)]
    for state in states:
        live.remember(state.model_dump_json(), LiveRead("J-1", "1", "{}"))
    assert [live.get(s.id) is not None for s in states] == [False, True, True]
