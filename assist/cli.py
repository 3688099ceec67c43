"""The ``assist`` console script: serve, seed demo data, mint tokens and keys, and the libraries' tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from assist.auth.principal import PEOPLE_ROLES
from assist.prefork import worker_count
from assist.settings import Settings

log = logging.getLogger(__name__)

Command = Callable[[argparse.Namespace], int | None]


def _serve(args: argparse.Namespace) -> int:
    overrides: dict[str, Any] = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    if args.demo:
        overrides["demo_mode"] = True
    settings = Settings(**overrides)
    workers = args.workers if args.workers is not None else settings.workers or worker_count("auto")
    if workers > 1:
        from assist.prefork import prepare_environment

        prepare_environment()  # before the demo model or the app imports LightGBM
    if args.demo:
        _print_demo_banner(settings)
    if workers > 1:
        return _serve_forked(settings, workers)
    import uvicorn

    from assist.app import create_app

    uvicorn.run(create_app(settings), **_uvicorn_options(settings))
    return 0


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {"host": settings.host, "port": settings.port, "log_config": None, "proxy_headers": True,
            "ws_max_size": settings.ws_max_message_bytes, "ws_per_message_deflate": False}


def _serve_forked(settings: Settings, workers: int) -> int:
    """Load the shared parts here, then fork ``workers`` servers on one socket (``assist.prefork``)."""
    import uvicorn

    from assist.app import create_app
    from assist.logs import configure_logging
    from assist.prefork import STARTUP_FAILURE, preload, serve_forked
    from assist.stores.redis import EmbeddedRedis
    from assist.stores.schema import SchemaOutOfDate

    configure_logging(settings.log_level, settings.log_json)
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        log.warning("PROMETHEUS_MULTIPROC_DIR is not set: each /metrics scrape shows one worker's figures "
                    "(docs/operations.md)")
    embedded = None
    if not settings.redis_url:  # one private server for all of them, or they would not share a stream
        embedded = EmbeddedRedis()
        settings = settings.model_copy(update={"redis_url": embedded.start()})
    try:
        app = create_app(settings, preload(settings))
        return serve_forked(uvicorn.Config(app, **_uvicorn_options(settings)), workers)
    except SchemaOutOfDate as exc:
        log.error("refusing to start: %s", exc)
        return STARTUP_FAILURE
    finally:
        if embedded is not None:
            embedded.stop()


def _print_demo_banner(settings: Settings) -> None:
    from assist.auth.tokens import create_token
    from assist.demo import DEMO_SUPERVISOR, DEMO_TRAINER, seed_demo_if_empty

    seeded = asyncio.run(seed_demo_if_empty(settings))
    base = f"http://{settings.host}:{settings.port}"
    print("\n  Agent Assist is starting" + (" (demo data seeded)" if seeded else ""), flush=True)
    print(f"  Side panel:   {base}/ui/", flush=True)
    print(f"  API docs:     {base}/docs", flush=True)
    print(f"  Agent token (A1):      {create_token(settings, 'A1', 'agent')}", flush=True)
    print(f"  Supervisor token (A6): {create_token(settings, DEMO_SUPERVISOR, 'supervisor')}", flush=True)
    print(f"  Trainer token ({DEMO_TRAINER}):    {create_token(settings, DEMO_TRAINER, 'trainer')}", flush=True)
    print("  Demo mode: the panel can post simulated customer lines.", flush=True)
    if settings.demo_model:
        _demo_model(settings)
    print(flush=True)


def _demo_model(settings: Settings) -> None:
    """The first start trains and gates a model on the demo world (a progress bar); later starts reuse it."""
    import time

    from tqdm import tqdm

    from assist.demo import demo_model_steps, ensure_demo_model

    started = time.monotonic()
    with tqdm(total=demo_model_steps(), desc="  training the demo model", unit="step", file=sys.stderr,
              bar_format="{desc}: {bar:24} {n_fmt}/{total_fmt} [{elapsed}] {postfix}", leave=False) as bar:

        def done(step: str) -> None:
            bar.set_postfix_str(step, refresh=False)
            bar.update(1)

        model = ensure_demo_model(settings, progress=done)
    if not model.trained:
        print(f"  Model:        {model.version} (promoted)", flush=True)
    elif model.promoted:
        print(f"  Model:        {model.version}, trained on the demo world in {time.monotonic() - started:.0f} s "
              "and promoted (it beat its baselines)", flush=True)
    else:
        print(f"  Model:        {model.version} not promoted ({'; '.join(model.refusals)}): rules answer", flush=True)


def _seed_demo(args: argparse.Namespace) -> int:
    from assist.demo import seed_demo

    counts = asyncio.run(seed_demo(Settings(), seed=args.seed, customers=args.customers, force=args.force))
    print(", ".join(f"{n} {kind}" for kind, n in counts.items()))
    return 0


def _token_create(args: argparse.Namespace) -> int:
    from assist.auth.tokens import create_token

    print(create_token(Settings(), args.agent, args.role, ttl_seconds=args.ttl))
    return 0


def _apikey(args: argparse.Namespace) -> int:
    """``assist apikey create|list|rotate|revoke``: one database session around one ``assist.auth.apikeys`` call."""
    from assist.auth import apikeys
    from assist.errors import AssistError
    from assist.stores.schema import SchemaOutOfDate
    from assist.stores.sql import Database

    async def run() -> str:
        settings = Settings()
        db = Database(settings.resolved_database_url)
        try:
            await db.prepare_schema(settings.migrates_on_start)
            async with db.session() as session:
                if args.action == "create":
                    return (await apikeys.issue_api_key(session, args.name)).key
                if args.action == "rotate":
                    return (await apikeys.rotate_api_key(session, args.name, args.grace)).key
                if args.action == "revoke":
                    return (await apikeys.revoke_api_key(session, args.name)).model_dump_json()
                return "\n".join(k.model_dump_json() for k in await apikeys.list_api_keys(session))
        finally:
            await db.close()

    try:
        print(asyncio.run(run()))
    except (SchemaOutOfDate, AssistError, ValueError) as exc:
        print(f"assist: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    """Apply every missing migration: the explicit step before a production start (the Docker image runs it)."""
    from assist.stores.schema import current_revisions
    from assist.stores.sql import Database

    async def run() -> tuple[set[str], set[str]]:
        db = Database(Settings().resolved_database_url, pool_size=1, max_overflow=0)
        try:
            before = await db.upgrade_schema()
            return before, await current_revisions(db.engine)
        finally:
            await db.close()

    before, now = asyncio.run(run())
    was = ", ".join(sorted(before)) or "none"
    print(f"database schema at {', '.join(sorted(now))} (was {was})")
    return 0


def _db_check(args: argparse.Namespace) -> int:
    """Exit 0 when the database has every migration this release needs, else 1 with what to run."""
    from assist.stores.schema import SchemaOutOfDate
    from assist.stores.sql import Database

    async def run() -> None:
        db = Database(Settings().resolved_database_url, pool_size=1, max_overflow=0)
        try:
            await db.check_schema()
        finally:
            await db.close()

    try:
        asyncio.run(run())
    except SchemaOutOfDate as exc:
        print(f"assist: {exc}", file=sys.stderr)
        return 1
    print("database schema is up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assist", description="Agent Assist: real-time agent guidance.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP/websocket service")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--demo", action="store_true", help="seed demo data if empty and print demo tokens")
    serve.add_argument("--workers", type=worker_count, metavar="N|auto",
                       help="worker processes sharing the loaded model (default ASSIST_WORKERS, 1); auto or 0: "
                            "one per core")
    serve.set_defaults(handler=_serve)

    seed = commands.add_parser("seed-demo", help="load the demo customers, histories and agents")
    seed.add_argument("--seed", type=int, default=7)
    seed.add_argument("--customers", type=int, default=300)
    seed.add_argument("--force", action="store_true", help="seed even if customers exist")
    seed.set_defaults(handler=_seed_demo)

    token = commands.add_parser("token", help="bearer tokens for people").add_subparsers(dest="action",
                                                                                         required=True)
    create = token.add_parser("create", help="print a signed token")
    create.add_argument("--agent", required=True, help="agent id the token acts as, e.g. A1")
    create.add_argument("--role", required=True, choices=[r.value for r in PEOPLE_ROLES])
    create.add_argument("--ttl", type=int, default=None, help="seconds until it expires")
    create.set_defaults(handler=_token_create)

    apikey = commands.add_parser("apikey", help="API keys for routing systems").add_subparsers(dest="action",
                                                                                               required=True)
    apikey.add_parser("create", help="print a new API key").add_argument("--name", required=True)
    apikey.add_parser("list", help="every key as JSON lines: name, created, last used, revoked")
    key_rotate = apikey.add_parser("rotate", help="print a new secret for the key; the old one works for --grace s")
    key_rotate.add_argument("--name", required=True)
    key_rotate.add_argument("--grace", type=int, default=3600, help="seconds the replaced key keeps working")
    apikey.add_parser("revoke", help="revoke the key at once").add_argument("--name", required=True)
    for action in apikey.choices.values():
        action.set_defaults(handler=_apikey)

    database = commands.add_parser("db", help="the SQL schema (Alembic migrations)").add_subparsers(
        dest="action", required=True)
    database.add_parser("upgrade", help="apply every missing migration (run before starting a new release)"
                        ).set_defaults(handler=_db_upgrade)
    database.add_parser("check", help="exit 1 if the database lacks a migration this release needs"
                        ).set_defaults(handler=_db_check)

    for register in _library_commands():
        register(commands)
    return parser


def _library_commands() -> list[Callable[[argparse._SubParsersAction], None]]:  # type: ignore[type-arg]
    """Subcommands the libraries contribute (``assist sim ...``, ``assist models ...``)."""
    from assist.guidance.cli import register as register_models
    from simulator.cli import register as register_sim

    return [register_sim, register_models]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Command = args.handler
    try:
        return handler(args) or 0
    except ValueError as exc:
        print(f"assist: error: {exc}", file=sys.stderr)
        return 2



if __name__ == "__main__":
    sys.exit(main())
