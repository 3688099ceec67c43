"""The app factory: settings in, a FastAPI app out; stores are opened in lifespan, never at import."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from assist import health, metrics
from assist.adoption import endpoints as adoption_endpoints
from assist.agents import endpoints as agents_endpoints
from assist.auth import endpoints as auth_endpoints
from assist.auth.limits import RateLimitMiddleware
from assist.auth.principal import Principal, Role
from assist.customers import endpoints as customers_endpoints
from assist.dependencies import PrincipalDep
from assist.errors import Forbidden, install_error_handlers
from assist.experiments import endpoints as experiments_endpoints
from assist.experiments.serving import ArmServing
from assist.guidance.floor import DriftRetrainer
from assist.guidance.intents import intent_detector, warm_up
from assist.guidance.model import ModelGuidance, warm_up_temperament
from assist.guidance.registry import ModelRegistry, ModelWatcher
from assist.guidance.rules import RuleGuidance
from assist.journeys.store import JourneyStore
from assist.knowledge import endpoints as knowledge_endpoints
from assist.logs import configure_logging
from assist.middleware import RequestContextMiddleware
from assist.offers import OfferBridge, register_agents
from assist.openapi import install_contract, operation_id
from assist.practice import endpoints as practice_endpoints
from assist.practice.service import PracticeService
from assist.privacy import endpoints as privacy_endpoints
from assist.privacy.live import LiveErasure
from assist.queues import endpoints as queue_endpoints
from assist.queues.service import QueueConfigs
from assist.records.journal import RecordJournal
from assist.records.writer import RecordWriter
from assist.sessions import endpoints as sessions_endpoints
from assist.sessions.delivery import Delivery, PromptLog
from assist.sessions.service import SessionService
from assist.sessions.state import SessionStore
from assist.settings import Settings
from assist.stores.redis import EmbeddedRedis, RedisStore
from assist.stores.schema import SchemaOutOfDate
from assist.stores.sql import Database
from assist.stream import endpoint as stream_endpoint
from assist.stream import tickets as stream_tickets
from assist.stream.fanout import Fanout
from assist.stream.outbox import Outbox
from assist.supervision import endpoints as supervision_endpoints
from models.exploration import Exploration
from routing.api import build_router
from routing.config import RoutingFile, load_routing_file
from routing.errors import RoutingError
from routing.service import RoutingService

if TYPE_CHECKING:
    from assist.prefork import Preloaded

log = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open Redis (starting a private server when no URL is set) and the database; close both on exit."""
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        redis_url = settings.redis_url
        if not redis_url:
            embedded = EmbeddedRedis()
            redis_url = embedded.start()
            stack.callback(embedded.stop)
        redis = RedisStore(redis_url, settings.redis_prefix, settings.redis_max_connections, settings.redis_cluster)
        stack.push_async_callback(redis.close)
        db = Database(settings.resolved_database_url, settings.database_pool_size, settings.database_max_overflow)
        stack.push_async_callback(db.close)
        try:
            await db.prepare_schema(settings.migrates_on_start)
        except SchemaOutOfDate as exc:
            log.error("refusing to start: %s", exc)
            raise
        app.state.redis = redis
        app.state.db = db
        await _start_stream(app, stack, settings, redis, db)
        gc.freeze()  # startup's objects (models, libraries) are never garbage: a full collection that scanned
        # them stalled every websocket on the worker for ~120 ms
        gc.set_threshold(*settings.gc_thresholds)
        log.info("stores open", extra={"redis": "embedded" if not settings.redis_url else
                                       "cluster" if redis.cluster else "external",
                                       "database": db.engine.dialect.name})
        yield


async def _start_stream(app: FastAPI, stack: AsyncExitStack, settings: Settings, redis: RedisStore,
                        db: Database) -> None:
    """The agent stream's parts: outbox, this worker's fan-out, journeys, sessions, guidance."""
    outbox = Outbox(redis.client, redis.keys, settings.stream_max_len, settings.stream_ttl_seconds, redis.commands)
    fanout = Fanout(redis.client)
    outbox.local = fanout
    await fanout.start()
    stack.push_async_callback(fanout.stop)
    journeys = JourneyStore(redis.client, redis.keys, db, settings.journey_ttl_seconds, redis.commands)
    sessions = SessionStore(redis.client, redis.keys, settings.journey_ttl_seconds, redis.commands)
    app.state.outbox, app.state.fanout = outbox, fanout
    preloaded: Preloaded | None = app.state.preloaded
    guidance = ModelGuidance(RuleGuidance(), knowledge_dirs=[settings.data_dir / "knowledge"],
                             knowledge=preloaded.knowledge if preloaded else None,
                             checklists=preloaded.checklists if preloaded else None,
                             exploration={queue: Exploration(e.method, e.epsilon, e.temperature)
                                          for queue, e in settings.exploration.items()},
                             memo_journeys=settings.guidance_memo_journeys)
    if preloaded is not None and preloaded.scorer is not None:
        guidance.install(preloaded.scorer, expected=True)  # the watcher keeps it while it is still the promoted one
    app.state.model_registry = ModelRegistry(db, settings.data_dir / "models")
    retrainer = DriftRetrainer(settings) if settings.retrain_on_drift else None
    watcher = ModelWatcher(app.state.model_registry, guidance, on_drift=retrainer.on_drift if retrainer else None)
    await watcher.start()
    stack.push_async_callback(watcher.stop)
    app.state.guidance = guidance
    records = RecordWriter(RecordJournal(redis.client, redis.keys, redis.commands), db)
    await records.start()
    app.state.records = records
    stack.push_async_callback(records.stop)
    prompt_log = PromptLog(records.journal, records)
    app.state.session_service = SessionService(settings, db, sessions, journeys, Delivery(outbox, prompt_log),
                                               guidance,
                                               intents=preloaded.intents if preloaded else intent_detector(settings))
    app.state.session_service.arms = ArmServing(guidance, app.state.model_registry)
    warm_up(app.state.session_service.intents)
    warm_up_temperament()
    await app.state.session_service.wrapup.start()
    stack.push_async_callback(app.state.session_service.wrapup.stop)
    practice = PracticeService(db, app.state.session_service)
    app.state.session_service.hooks.append(practice.customer.on_session)
    app.state.session_service.event_hooks.append(practice.customer.on_event)
    app.state.practice_service = practice
    app.state.erase_live_state = LiveErasure(redis.client, redis.keys).erase
    await _start_routing(app, stack, settings, redis, db, app.state.session_service)


async def _start_routing(app: FastAPI, stack: AsyncExitStack, settings: Settings, redis: RedisStore, db: Database,
                         sessions: SessionService) -> None:
    """Routing runs in every worker (its state is in Redis); its offers reach agents through their streams."""
    document = load_routing_file(settings.routing_config) if settings.routing_config else RoutingFile()
    routing = RoutingService(redis.client, redis.keys.key, config=document.config())
    bridge = OfferBridge(routing, sessions, redis.client, redis.keys, settings.stream_ttl_seconds)
    routing.on_offer, routing.on_withdraw = bridge.on_offer, bridge.on_withdraw
    routing.on_decision = metrics.routing_decision
    sessions.hooks.append(bridge.on_session)
    sessions.status_hooks.append(bridge.on_status)
    sessions.queue_router = bridge
    queues = QueueConfigs(routing, redis.client, redis.keys, document,
                          "file" if settings.routing_config else "default")
    await queues.start()  # an admin's stored configuration wins over the file
    stack.push_async_callback(queues.stop)
    app.state.queue_configs = queues
    await routing.start()
    stack.push_async_callback(routing.stop)
    await register_agents(db, routing)
    app.state.routing = routing


def get_routing(request: Request) -> RoutingService:
    return request.app.state.routing  # type: ignore[no-any-return]


async def require_routing_client(request: Request, principal: PrincipalDep) -> Principal:
    """Routing systems (API key) and admins drive routing; supervisors may read its snapshots."""
    readers = {Role.SERVICE, Role.ADMIN, Role.SUPERVISOR}
    allowed = readers if request.method == "GET" else {Role.SERVICE, Role.ADMIN}
    if principal.role not in allowed:
        raise Forbidden(f"role {principal.role} may not do this in routing", code="role_forbidden")
    return principal


def create_app(settings: Settings | None = None, preloaded: Preloaded | None = None) -> FastAPI:
    """Build the service; ``settings`` defaults to the environment (``ASSIST_*``). ``preloaded``: the read-only
    parts ``assist serve --workers N`` loaded before forking (``assist.prefork``), else each app loads its own."""
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_json)
    app = FastAPI(
        title="Agent Assist",
        version="0.1.0",
        summary="Real-time guidance for contact-center agents, and skill-based routing for routing systems.",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.preloaded = preloaded
    install_error_handlers(app, domain_errors=(RoutingError,))
    install_contract(app)
    app.add_middleware(RateLimitMiddleware, settings=settings)  # inside the request context: 429s get ids
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_request_bytes)
    app.add_middleware(stream_endpoint.StreamLane)  # added last: outermost, before any layer a panel need not keep
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(adoption_endpoints.router)
    app.include_router(agents_endpoints.router)
    app.include_router(auth_endpoints.router)
    app.include_router(customers_endpoints.router)
    app.include_router(experiments_endpoints.router)
    app.include_router(knowledge_endpoints.router)
    app.include_router(practice_endpoints.router)
    app.include_router(privacy_endpoints.router)
    app.include_router(queue_endpoints.router)
    app.include_router(sessions_endpoints.router)
    app.include_router(stream_tickets.router)
    app.include_router(supervision_endpoints.router)
    app.include_router(build_router(get_routing, require_routing_client))

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/")

    if settings.web_dir.is_dir():
        app.mount("/ui", StaticFiles(directory=settings.web_dir, html=True), name="ui")
    return app
