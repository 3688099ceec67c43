"""A hypothesis fuzz of the panel protocol over a real websocket against a real server.

Frames range from random text and bytes to almost-valid panel messages (the right type with fuzzed data, wrong
types, huge and unicode strings, nested JSON, numbers as strings, the ids of a real session and its prompts).
Every run also sends a binary frame, JSON nested 1,000 deep, a lone surrogate and a frame over the size limit.
The oracle is docs/protocol.md itself: every reply is a server message type it lists, every ``error`` carries
a code from its table, the connection stays up (a ``ping`` sent after each frame is answered; only a frame over
``ASSIST_WS_MAX_MESSAGE_BYTES`` closes it, with 1009), and a frame answered with an ``error`` changed nothing
stored, in Redis or in SQL.

The server's message rate limit is raised for the fuzz (the flood itself is tests/stream/test_protocol.py's
``test_flood_gets_rate_limited_and_close_1008``).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis as sync_redis
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from tests.conftest import LiveServer, free_port, server_env
from tests.stream.panel import Panel
from tests.stream.seed import seed

PROTOCOL_DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
AGENT = "F1"
EXAMPLES = int(os.environ.get("FUZZ_WS_EXAMPLES", "120"))
"""Frames for the reply test (two thirds of it for the stored test): ~200 in all, under a minute. Raise it for
a deeper run."""
PANEL_TYPES = ["accept", "decline", "status", "event", "prompt_feedback", "handoff_request", "simulate_customer",
               "demo_offer", "close", "wrapup", "ping"]
FIELDS = {
    "accept": ["offer_id"], "decline": ["offer_id", "reason"], "status": ["status"],
    "event": ["session_id", "kind", "speaker", "text", "action", "fields"],
    "prompt_feedback": ["prompt_id", "verdict", "reason"], "handoff_request": ["session_id", "channel", "to_agent",
                                                                               "to_queue", "note"],
    "simulate_customer": ["session_id", "text"], "demo_offer": ["reason"],
    "close": ["session_id", "outcome", "csat", "summary", "disposition"],
    "wrapup": ["session_id", "disposition", "summary"], "ping": [],
}
ENUMS = ["available", "busy", "away", "utterance", "action", "crm", "customer", "agent", "system", "accepted",
         "dismissed", "chat", "phone", "email", "resolved", "escalated", "abandoned", "verify_identity",
         "request_refund", "resolve_identity", "refund_processed"]


def _documented(section: str) -> set[str]:
    """The backticked names in the first column of the table under ``## <section>`` in docs/protocol.md."""
    text = PROTOCOL_DOC.read_text()
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in body.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return names


ERROR_CODES = _documented("Error codes")
SERVER_TYPES = _documented("Server → panel")


# ---- frames --------------------------------------------------------------------------------------------

# The live ids change as the fuzz runs (sessions close, prompts arrive), and a strategy must not depend on that:
# frames name them by placeholder, and the fuzzer puts the ids in just before sending.
SESSION = "$session"
PROMPTS = [f"$prompt{n}" for n in range(10)]
_ids = st.sampled_from([SESSION, *PROMPTS[:3], AGENT, "F2"])


_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                  st.text(max_size=40))
_json = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12),
                                                                                        inner, max_size=4),
                     max_leaves=16)
_strings = st.one_of(
    st.text(max_size=80),
    st.sampled_from(ENUMS),
    st.integers().map(str),                                            # numbers as strings
    st.floats(allow_nan=False).map(repr),
    st.integers(200, 9000).map(lambda n: "é" * n),                     # huge (and two bytes a character)
    st.text(alphabet=st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), min_size=1, max_size=50),
    st.sampled_from(["", " ", "\x00", "\u202e", "null", "{}", "[]", "<script>", "' OR 1=1 --", "../../etc"]),
)


def _templates() -> dict[str, st.SearchStrategy[dict[str, Any]]]:
    """A valid ``data`` for each panel type, naming the live session and its prompts (or an id of another)."""
    sid = st.sampled_from([SESSION] * 4 + ["S-nope"])
    pid = st.sampled_from([*PROMPTS, "P-nope"])
    ending = st.sampled_from([SESSION, "S-nope", "S-nope"])  # a close or handoff costs a new session
    fields = st.dictionaries(st.sampled_from(["amount", "customer_id", "order"]),
                             st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False), _strings), max_size=3)
    return {
        "accept": st.fixed_dictionaries({"offer_id": sid}),
        "decline": st.fixed_dictionaries({"offer_id": sid, "reason": st.text(max_size=200)}),
        "status": st.fixed_dictionaries({"status": st.sampled_from(["available", "busy", "after_contact_work",
                                                                     "away"])}),
        "event": st.one_of(
            st.fixed_dictionaries({"session_id": sid, "kind": st.just("utterance"), "text": _strings,
                                   "speaker": st.sampled_from(["customer", "agent", "system"])}),
            st.fixed_dictionaries({"session_id": sid, "kind": st.just("action"), "fields": fields,
                                   "action": st.sampled_from(["verify_identity", "request_refund", "issue_refund",
                                                              "send_knowledge_article", "resolve_identity", "x"])}),
            st.fixed_dictionaries({"session_id": sid, "kind": st.just("crm"), "fields": fields})),
        "prompt_feedback": st.fixed_dictionaries({"prompt_id": pid, "verdict": st.sampled_from(["accepted",
                                                                                               "dismissed"]),
                                                  "reason": st.text(max_size=200)}),
        "handoff_request": st.fixed_dictionaries({"session_id": ending, "channel": st.sampled_from(["chat", "phone"]),
                                                  "to_agent": st.sampled_from(["F2", None])}),
        "simulate_customer": st.fixed_dictionaries({"session_id": sid, "text": _strings}),
        "demo_offer": st.fixed_dictionaries({"reason": st.sampled_from(["refund", "complaint"])}),
        "close": st.fixed_dictionaries({"session_id": ending, "csat": st.one_of(st.none(), st.integers(0, 6)),
                                        "outcome": st.sampled_from(["resolved", "abandoned", "unresolved"])}),
        "wrapup": st.fixed_dictionaries({"session_id": sid, "summary": _strings,
                                         "disposition": st.sampled_from(["refund_processed", "refunded"])}),
        "ping": st.just({}),
    }


def _nearly_valid() -> st.SearchStrategy[dict[str, Any]]:
    """A valid message, then maybe one field replaced by a fuzzed value, dropped, or one unknown field added."""
    templates = _templates()
    value = st.one_of(_strings, _json)

    def mutate(kind: str) -> st.SearchStrategy[dict[str, Any]]:
        names = FIELDS[kind] or ["extra"]
        return st.tuples(templates[kind], st.sampled_from(["keep"] * 3 + ["replace", "drop", "add"]),
                         st.sampled_from(names), value).map(lambda t: _mutated(kind, *t))

    return st.sampled_from(PANEL_TYPES).flatmap(mutate)


def _mutated(kind: str, data: dict[str, Any], how: str, field: str, value: Any) -> dict[str, Any]:
    data = dict(data)
    if how == "replace":
        data[field] = value
    elif how == "drop":
        data.pop(field, None)
    elif how == "add":
        data["unexpected_" + field] = value
    return {"type": kind, "id": f"m-{how}", "data": data}


def _frames() -> st.SearchStrategy[str | bytes]:
    value = st.one_of(_strings, _ids, _json)
    data = st.one_of(
        st.sampled_from(PANEL_TYPES).flatmap(lambda t: st.fixed_dictionaries(
            {}, optional={field: value for field in FIELDS[t]})),
        _json,
    )
    message = st.fixed_dictionaries(
        {"type": st.one_of(st.sampled_from(PANEL_TYPES), _strings, _json)},
        optional={"data": data, "id": st.one_of(st.text(max_size=80), _json), "seq": _json})
    typed = st.sampled_from(PANEL_TYPES).flatmap(lambda t: st.fixed_dictionaries(
        {"type": st.just(t), "data": st.fixed_dictionaries({}, optional={f: value for f in FIELDS[t]})},
        optional={"id": st.text(max_size=20)}))
    return st.one_of(
        *[_nearly_valid().map(json.dumps)] * 4,
        typed.map(json.dumps),
        message.map(json.dumps),
        _json.map(json.dumps),
        st.text(max_size=200),                                          # mostly not JSON
        st.binary(max_size=200),                                        # binary frames
        st.integers(2, 1500).map(lambda n: "[" * n + "]" * n),          # nesting, up to 1,500 deep
        st.integers(2, 1500).map(lambda n: '{"type":"ping","data":' + '{"a":' * n + "1" + "}" * n + "}"),
        st.just('{"type": "event", "data": {"text": "\\ud800"}}'),      # a lone surrogate
    )


FRAMES = _frames()


# ---- the server, the panel and what is stored ----------------------------------------------------------

@pytest.fixture(scope="module")
def ws_server(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("ws-fuzz")
    # no after-contact work: its deadlines end by time, not by a frame, and would move stored keys mid-frame
    env = server_env(tmp, redis_url, ASSIST_WS_MAX_MESSAGES_PER_SECOND="100000", ASSIST_WRAPUP_SECONDS="0")
    server = LiveServer(env, free_port()).start()
    try:
        asyncio.run(seed(server, customer_id="C-fuzz", phone="+44 7700 900555", email="fuzz@example.com",
                         agents=(AGENT, "F2")))
        yield server
    finally:
        server.stop()


class Stored:
    """What the server keeps for the test, read as values (not encodings): its Redis keys and its SQL rows.

    Left out: the HTTP rate-limit counters (they expire on their own) and the records journal's consumer
    bookkeeping (its writer reads it continuously); the journal's entries themselves are compared.
    """

    VOLATILE = re.compile(rb"\{limit:|:writer$|:lease$")

    def __init__(self, server: LiveServer) -> None:
        self.redis = sync_redis.Redis.from_url(server.settings.redis_url)
        self.prefix = server.settings.redis_prefix
        self.sqlite = server.settings.resolved_database_url.removeprefix("sqlite:///")

    def _value(self, key: bytes) -> Any:
        kind = self.redis.type(key)
        read = {b"string": self.redis.get, b"hash": self.redis.hgetall,
                b"set": lambda k: sorted(self.redis.smembers(k)),
                b"zset": lambda k: self.redis.zrange(k, 0, -1, withscores=True),
                b"list": lambda k: self.redis.lrange(k, 0, -1), b"stream": lambda k: self.redis.xrange(k)}
        return (kind, read[kind](key)) if kind in read else (kind, None)

    def snapshot(self) -> dict[str, Any]:
        keys = sorted(k for k in self.redis.scan_iter(f"{self.prefix}:*", count=1000) if not self.VOLATILE.search(k))
        redis_values = {key: self._value(key) for key in keys}
        with sqlite3.connect(self.sqlite) as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            rows = {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"').fetchall())) for t in tables}
        return {"redis": redis_values, "sql": rows}

    async def settled(self, timeout: float = 5.0) -> dict[str, Any]:
        """A snapshot once what earlier messages set going has finished: the records journal drained to SQL
        (its writer waits up to a second), and nothing else moving."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        previous = self.snapshot()
        while True:
            await asyncio.sleep(0.05)
            current = self.snapshot()
            journaled = any(b"{records:" in key and kind == b"stream" and entries
                            for key, (kind, entries) in current["redis"].items())
            if (current == previous and not journaled) or loop.time() > deadline:
                return current
            previous = current

    def cleanup(self) -> None:
        for key in self.redis.scan_iter(f"{self.prefix}:*", count=1000):
            self.redis.delete(key)
        self.redis.close()


@pytest.fixture(scope="module")
def stored(ws_server: LiveServer) -> Iterator[Stored]:
    store = Stored(ws_server)
    yield store
    store.cleanup()


class Fuzzer:
    """A panel with a live session: what the fuzz sends to, reopened when a frame is allowed to close it."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.panel: Panel | None = None
        self.known: dict[str, list[str]] = {}
        self.barrier = 0

    async def open(self) -> Panel:
        self.panel = await Panel.open(self.server, AGENT)
        await self.panel.expect("hello")
        return self.panel

    async def start_session(self) -> None:
        """Offer a contact to the agent and accept it: the session (and its prompts) the fuzz may name."""
        if self.panel is not None:
            await self.panel.close()
        panel = await self.open()
        response = httpx.post(self.server.base_url + "/v1/contacts/offer", headers=self.server.headers("X1", "admin"),
                              json={"agent_id": AGENT, "channel": "chat", "reason": "refund",
                                    "identifiers": {"email": "fuzz@example.com"}})
        assert response.status_code == 201, response.text
        session_id = response.json()["session_id"]
        await panel.expect("offer", offer_id=session_id)
        await panel.send("accept", {"offer_id": session_id})
        await panel.expect("context", session_id=session_id)
        prompts = [m["data"]["id"] for m in await panel.quiet(0.5) if m["type"] == "prompt"]
        self.known = {"session": [session_id], "prompt": [*self.known.get("prompt", []), *prompts][-10:]}

    def with_ids(self, frame: str | bytes) -> str | bytes:
        """``frame`` with the placeholders replaced by the live session's id and the latest prompts' ids."""
        if isinstance(frame, bytes) or "$" not in frame:
            return frame
        prompts = self.known["prompt"] or ["P-none"]
        for n, placeholder in reversed(list(enumerate(PROMPTS))):
            frame = frame.replace(placeholder, prompts[n % len(prompts)])
        return frame.replace(SESSION, self.known["session"][0])

    async def _learn(self, replies: list[dict[str, Any]]) -> None:
        """New prompts become ids the fuzz may name; a closed or handed-off session is replaced by a new one."""
        self.known["prompt"] += [r["data"]["id"] for r in replies if r["type"] == "prompt"][:5]
        self.known["prompt"] = self.known["prompt"][-10:]
        if any(r["type"] == "session_closed" for r in replies):
            await self.start_session()

    async def exchange(self, frame: str | bytes) -> tuple[list[dict[str, Any]], int | None]:
        """Send ``frame`` then a ping; everything before the pong, and the close code if the socket closed.

        A frame over the size limit is sent alone: a ping behind it would reach a socket the server already
        closed, and the reset could beat its close frame (1006 instead of 1009)."""
        assert self.panel is not None
        self.barrier += 1
        barrier = f"barrier-{self.barrier}"
        replies: list[dict[str, Any]] = []
        try:
            await self.panel.ws.send(frame)
            if _too_big(frame, self.server):
                try:
                    await asyncio.wait_for(self.panel.ws.wait_closed(), 10)
                except TimeoutError:
                    raise AssertionError("a frame over the size limit left the socket open") from None
                raise ConnectionClosed(None, None)
            await self.panel.send("ping", message_id=barrier)
            while True:
                message = await self.panel.recv(timeout=10)
                if message["type"] == "pong" and message["data"].get("in_reply_to") == barrier:
                    await self._learn(replies)
                    return replies, None
                replies.append(message)
        except ConnectionClosed:
            ws = self.panel.ws
            await ws.wait_closed()
            await self.open()
            return replies, ws.close_code or 1006


@pytest.fixture(scope="module")
async def fuzzer(ws_server: LiveServer) -> AsyncIterator[Fuzzer]:
    fuzz = Fuzzer(ws_server)
    await fuzz.start_session()
    yield fuzz
    if fuzz.panel is not None:
        await fuzz.panel.close()


def _fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


def _hostile_examples(test: Any) -> Any:
    """Frames every run sends, whatever the fuzz draws: binary, nested 1,000 deep, a lone surrogate, too big."""
    for frame in (b"\x00\xff binary", "[" * 1000 + "]" * 1000,
                  '{"type": "ping", "data": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}",
                  '{"type": "event", "data": {"session_id": "$session", "kind": "utterance", "text": "\\ud800"}}',
                  '{"type": "ping", "id": "' + "x" * 70_000 + '"}'):
        test = example(frame=frame)(test)
    return test


def _too_big(frame: str | bytes, server: LiveServer) -> bool:
    size = len(frame) if isinstance(frame, bytes) else len(frame.encode("utf-8", "surrogatepass"))
    return size > server.settings.ws_max_message_bytes


# ---- the properties ------------------------------------------------------------------------------------

@given(frame=FRAMES)
@_hostile_examples
@_fuzz_settings(EXAMPLES)
async def test_every_frame_gets_a_documented_reply_and_the_socket_stays_up(frame: str | bytes, fuzzer: Fuzzer,
                                                                            ws_server: LiveServer) -> None:
    frame = fuzzer.with_ids(frame)
    replies, closed = await fuzzer.exchange(frame)
    if _too_big(frame, ws_server):
        assert closed == 1009
        return
    assert closed is None, f"the server closed the socket ({closed}) after {frame!r:.200}: {replies}"
    event(" ".join(sorted({r["data"]["code"] if r["type"] == "error" else r["type"] for r in replies})) or "none")
    for reply in replies:
        assert reply["type"] in SERVER_TYPES, reply
        if reply["type"] == "error":
            assert reply["data"]["code"] in ERROR_CODES, reply
            assert reply["data"]["code"] != "internal_error", f"{frame!r:.200} hit a bug: {reply}"  # the 5xx here
            assert reply["seq"] is None, reply


@given(frame=FRAMES)
@_hostile_examples
@_fuzz_settings(EXAMPLES * 2 // 3)
async def test_a_frame_answered_with_an_error_changes_nothing_stored(frame: str | bytes, fuzzer: Fuzzer,
                                                                      stored: Stored,
                                                                      ws_server: LiveServer) -> None:
    frame = fuzzer.with_ids(frame)
    if _too_big(frame, ws_server):
        return
    before = await stored.settled()
    replies, _ = await fuzzer.exchange(frame)
    if replies and all(reply["type"] == "error" for reply in replies):
        event(" ".join(sorted({reply["data"]["code"] for reply in replies})))
        after = await stored.settled()
        changed = sorted({*before["redis"], *after["redis"]} - {
            k for k in before["redis"] if after["redis"].get(k) == before["redis"][k]})
        assert changed == [], f"{frame!r:.200} answered {replies} and changed Redis keys {changed}"
        assert after["sql"] == before["sql"], f"{frame!r:.200} answered {replies} and changed SQL rows"
