"""What an operator watches, in the Prometheus text format at ``GET /metrics``.

Two kinds of figures. What a process counts as it works (events timed to their prompts, prompts shown, routing
decisions, open websockets, store errors) lives in prometheus-client's process registry and is counted at the
call sites with one line each. What every worker shares (queue depths, records waiting in the journal) lives
in Redis and is read when scraped, so any worker answers the same and nothing is counted twice.

With several worker processes on one host (``uvicorn --workers N``), set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty directory for them all: each process then writes its figures there and any worker's ``/metrics`` sums
them (prometheus-client's multiprocess mode). Otherwise scrape each process on its own port.
"""

from __future__ import annotations

import functools
import hmac
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from fastapi import APIRouter, Request, Response
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from assist.guidance.interface import Prompt

__all__ = ["EVENT_TO_PROMPT", "PROMPTS", "RECORD_WRITE_FAILURES", "ROUTING_DECISIONS", "STORE_ERRORS",
           "WEBSOCKETS", "counted_connection", "event_prompted", "prompts_shown", "routing_decision", "router",
           "store_error"]

log = logging.getLogger(__name__)
router = APIRouter()

P = ParamSpec("P")
R = TypeVar("R")

EVENT_TO_PROMPT = Histogram(
    "assist_event_to_prompt_seconds",
    "From a live event reaching the service (panel websocket or REST) to its prompts committed to the agent's "
    "outbox, for events that produced a prompt",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))
PROMPTS = Counter("assist_prompts", "Prompts shown to agents, by action and source (model, rules, degraded)",
                  ["action", "source"])
ROUTING_DECISIONS = Counter("assist_routing_decisions", "Routing decisions made by this process: a contact offered "
                            "to an agent or queued (a queued contact offered later counts again)", ["queue", "outcome"])
WEBSOCKETS = Gauge("assist_websocket_connections", "Agent stream websockets open on this process",
                   multiprocess_mode="livesum")
STORE_ERRORS = Counter("assist_store_errors", "Requests and panel messages answered store_unavailable, by store "
                       "(redis, database) and transport (http, websocket)", ["store", "transport"])
RECORD_WRITE_FAILURES = Counter("assist_record_write_failures", "Attempts to drain the record journal into SQL "
                                "that failed (the records stay journaled and are retried)")


_prompt_counters: dict[tuple[str, str], Any] = {}
"""``PROMPTS``' children by (action, source): ``labels()`` takes a lock and builds a key on every call, which the
event path need not pay (a few dozen actions, three sources)."""


def prompts_shown(prompts: Iterable[Prompt]) -> None:
    """Count prompts that reached an agent's outbox; a degraded prompt counts as source ``degraded``."""
    for prompt in prompts:
        key = (prompt.action, "degraded" if prompt.degraded else prompt.source)
        counter = _prompt_counters.get(key)
        if counter is None:
            counter = _prompt_counters[key] = PROMPTS.labels(*key)
        counter.inc()


def event_prompted(started: float, prompts: Sequence[Prompt]) -> None:
    """After a live event's commit: its latency (from ``started``, a ``perf_counter``) if it prompted, and the
    prompts it showed."""
    if prompts:
        EVENT_TO_PROMPT.observe(time.perf_counter() - started)
        prompts_shown(prompts)


_decision_counters: dict[tuple[str, str], Any] = {}


def routing_decision(queue: str, outcome: str) -> None:
    """The routing service's ``on_decision`` hook: a contact was ``offered`` or ``queued``."""
    counter = _decision_counters.get((queue, outcome))
    if counter is None:
        counter = _decision_counters[(queue, outcome)] = ROUTING_DECISIONS.labels(queue, outcome)
    counter.inc()


def store_error(store: str, transport: str) -> None:
    STORE_ERRORS.labels(store, transport).inc()


def counted_connection(handler: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Wraps a websocket handler so ``assist_websocket_connections`` counts it while it runs (prometheus-client's
    own ``track_inprogress`` would end before a coroutine does)."""

    @functools.wraps(handler)
    async def counted(*args: P.args, **kwargs: P.kwargs) -> R:
        WEBSOCKETS.inc()
        try:
            return await handler(*args, **kwargs)
        finally:
            WEBSOCKETS.dec()

    return counted


class SharedFigures(Collector):
    """Figures read from Redis at scrape time (the same whichever worker answers), handed in as values."""

    def __init__(self, queues: dict[str, int], journal: dict[str, float]) -> None:
        self.queues, self.journal = queues, journal

    def collect(self) -> Iterable[GaugeMetricFamily]:
        depth = GaugeMetricFamily("assist_routing_queue_depth", "Contacts waiting in each routing queue",
                                  labels=["queue"])
        for queue, size in sorted(self.queues.items()):
            depth.add_metric([queue], size)
        yield depth
        yield GaugeMetricFamily("assist_record_journal_pending", "Records (prompts shown, feedback, closes) "
                                "waiting in the Redis journal for SQL", value=self.journal["pending"])
        yield GaugeMetricFamily("assist_record_journal_oldest_seconds", "Age of the oldest record waiting in the "
                                "journal: the lag of SQL behind the service (0 when empty)",
                                value=self.journal["oldest_seconds"])
        yield GaugeMetricFamily("assist_record_journal_dead", "Records the database refused, kept in the "
                                "dead-letter stream for an operator", value=self.journal["dead"])


async def shared_figures(app: Any) -> SharedFigures:
    """Queue depths and the journal's backlog, read from Redis in one pipeline."""
    routing, journal = app.state.routing, app.state.records.journal
    queues = sorted(routing.config.policies)
    pipe = journal.client.pipeline(transaction=False)
    for queue in queues:
        pipe.zcard(routing.store.waiting_key(queue))
    pipe.xlen(journal.key)
    pipe.xrange(journal.key, count=1)
    pipe.xlen(journal.key + ":dead")
    *sizes, pending, oldest, dead = await pipe.execute()
    oldest_seconds = 0.0
    if oldest:
        first_id = oldest[0][0]
        first_id = first_id.decode() if isinstance(first_id, bytes) else str(first_id)
        oldest_seconds = max(0.0, time.time() - int(first_id.split("-")[0]) / 1000)
    return SharedFigures(dict(zip(queues, sizes, strict=True)),
                         {"pending": pending, "oldest_seconds": oldest_seconds, "dead": dead})


class Scrape(Collector):
    """One answer from several sources, so it is one document in whichever format the scraper asked for."""

    def __init__(self, *sources: Collector) -> None:
        self.sources = sources

    def collect(self) -> Iterable[Metric]:
        for source in self.sources:
            yield from source.collect()


def _process_registry() -> CollectorRegistry:
    """This process's figures, or every worker's summed under prometheus-client's multiprocess mode."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def _authorized(request: Request) -> bool:
    token = request.app.state.settings.metrics_token
    if token is None or not token.get_secret_value():
        return True
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    return hmac.compare_digest(given.encode(), token.get_secret_value().encode())


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """The Prometheus text format. With ``ASSIST_METRICS_TOKEN`` set, only ``Authorization: Bearer <it>``."""
    if not _authorized(request):
        from assist.errors import Unauthorized  # errors counts store errors here: imported late, no circle

        raise Unauthorized("/metrics needs the metrics token (ASSIST_METRICS_TOKEN) as a bearer token",
                           code="unauthorized")
    sources: list[Collector] = [_process_registry()]
    try:
        sources.append(await shared_figures(request.app))
    except Exception as exc:  # noqa: BLE001 - the process's own figures still answer while Redis is away
        store_error("redis", "metrics")
        log.warning("metrics: shared figures unavailable: %s", exc)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Scrape(*sources))
    encoder, content_type = choose_encoder(request.headers.get("accept", ""))
    return Response(encoder(registry), headers={"Content-Type": content_type})
