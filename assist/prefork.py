"""``assist serve --workers N``: one process loads the heavy parts once, then forks N uvicorn workers.

What every worker only reads (the ML libraries, the promoted model, the knowledge base, the checklists, the
trained intent and temperament classifiers) is loaded in the parent before the fork, so the workers share
those pages copy-on-write instead of each holding its own copy (a second worker then costs its own heap, not
another model). What a worker writes to is opened after the fork, in each worker's lifespan: its Redis
client and pub/sub listener (``assist.stream.fanout``), its database pool, its background tasks. The parent
opens no connection that outlives ``preload`` and serves no request.

The workers accept on one listening socket the parent bound (uvicorn's own ``--workers`` shares one socket
the same way); the kernel hands each connection to whichever worker accepts it first. A panel's frames reach
it through Redis whichever worker made them. The parent supervises: SIGTERM or SIGINT stops every worker
gracefully (SIGKILL after ``stop_timeout``), and a worker that dies is replaced, unless it failed to start
(uvicorn's exit code 3, e.g. the database schema is out of date), which stops them all, as gunicorn does.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assist.settings import Settings

if TYPE_CHECKING:
    import uvicorn

    from models.checklists import Checklists
    from models.knowledge import KnowledgeBase
    from models.language.intent import IntentDetector
    from models.scorer import Scorer

__all__ = ["STARTUP_FAILURE", "Preloaded", "WorkerPool", "preload", "prepare_environment", "serve_forked",
           "worker_count"]

log = logging.getLogger(__name__)

STARTUP_FAILURE = 3
"""uvicorn's exit code for a lifespan that failed: a worker that cannot start is not restarted in a loop."""
RESTART_PAUSE = 1.0
"""A worker that died within this many seconds of its start is replaced only after this pause."""
SUPERVISED = (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT)
PR_SET_PDEATHSIG = 1


def worker_count(value: str) -> int:
    """``--workers``: a positive count, or ``auto`` / ``0`` for one per core this process may run on."""
    if value.strip().lower() in ("auto", "0"):
        return len(os.sched_getaffinity(0)) or 1
    count = int(value)
    if count < 0:
        raise ValueError(f"--workers {value}: a count of workers, or auto (one per core)")
    return count


def prepare_environment() -> None:
    """Call before the ML libraries are imported. OpenMP (LightGBM's, scikit-learn's) is not fork-safe: a
    worker that loads a newly promoted model after the parent ran a parallel region hangs for good (measured:
    ``Scorer.load`` in a forked child never returned). One OpenMP thread per process avoids that thread pool,
    and with one worker per core a worker has one core to use anyway."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")


@dataclass(frozen=True)
class Preloaded:
    """What the workers read and never write, loaded once in the parent (``create_app(settings, preloaded)``)."""

    knowledge: KnowledgeBase
    checklists: Checklists
    intents: IntentDetector
    scorer: Scorer | None
    """The promoted version's, or None (none promoted, or the database could not say: workers load it)."""


def preload(settings: Settings) -> Preloaded:
    """Import and load the read-only parts (raises ``SchemaOutOfDate`` as a worker would). The intent and
    temperament classifiers train now, in this thread: a warm-up thread would still be running at the fork,
    and a thread does not survive one."""
    from assist.guidance.intents import intent_detector
    from assist.guidance.model import temperament_detector
    from models.checklists import load_checklists
    from models.knowledge import KnowledgeBase
    from models.knowledge.base import DEFAULT_ARTICLES

    intents = intent_detector(settings)
    for train in (intents.classifier, temperament_detector().classifier):
        try:
            train()
        except (OSError, ValueError) as exc:  # each worker logs it again when it warms up
            log.error("a classifier cannot train before the fork: %s", exc)
    return Preloaded(knowledge=KnowledgeBase.from_folders(DEFAULT_ARTICLES, settings.data_dir / "knowledge"),
                     checklists=load_checklists(), intents=intents, scorer=_promoted_scorer(settings))


def _promoted_scorer(settings: Settings) -> Scorer | None:
    """The promoted model. The schema is prepared here first, once for all workers (migrated in development,
    checked in production: raises ``SchemaOutOfDate`` then, before any worker starts); the database connection
    is closed again before this returns."""
    from assist.guidance.registry import ModelRegistry
    from assist.stores.schema import SchemaOutOfDate
    from assist.stores.sql import Database
    from models.scorer import Scorer

    async def promoted_path() -> Path | None:
        db = Database(settings.resolved_database_url, pool_size=1, max_overflow=0)
        try:
            await db.prepare_schema(settings.migrates_on_start)
            registry = ModelRegistry(db, settings.data_dir / "models")
            version = await registry.promoted()
            return registry.path_of(version) if version is not None else None
        finally:
            await db.close()

    try:
        path = asyncio.run(promoted_path())
        scorer = Scorer.load(path) if path is not None else None
        if scorer is not None:
            log.info("model loaded before the fork", extra={"model_version": scorer.version})
        return scorer
    except SchemaOutOfDate:
        raise
    except Exception as exc:  # noqa: BLE001 - no shared model then: each worker's watcher loads it (or says why)
        log.warning("the promoted model was not preloaded (%s: %s); each worker loads its own",
                    type(exc).__name__, exc)
        return None


class WorkerPool:
    """Forks ``size`` processes that each run ``work()`` (which must not return normally into the parent's
    code: the child leaves through ``os._exit``), keeps that many alive, and stops them on SIGTERM/SIGINT."""

    def __init__(self, work: Callable[[], int], size: int, stop_timeout: float = 30.0,
                 on_exit: Callable[[int], None] | None = None) -> None:
        self.work = work
        self.size = size
        self.stop_timeout = stop_timeout
        self.on_exit = on_exit
        """Called with each dead worker's pid (prometheus-client's ``mark_process_dead``)."""
        self.started: dict[int, float] = {}
        """Live workers: pid -> when it was forked (monotonic)."""

    def run(self) -> int:
        """Supervise until stopped; returns the exit code for the parent (0, or 3 when a worker failed to start)."""
        signal.pthread_sigmask(signal.SIG_BLOCK, SUPERVISED)
        try:
            for _ in range(self.size):
                self._spawn()
            while True:
                received = signal.sigtimedwait(SUPERVISED, 1.0)
                if received is not None and received.si_signo != signal.SIGCHLD:
                    log.info("stopping %d workers", len(self.started))
                    return self._stop()
                for pid, code in self._reap():
                    if code == STARTUP_FAILURE:
                        log.error("worker %d could not start: stopping", pid)
                        self._stop()
                        return STARTUP_FAILURE
                    log.warning("worker %d exited with %d; starting another", pid, code)
                    if time.monotonic() - self.started.pop(pid, 0.0) < RESTART_PAUSE:
                        time.sleep(RESTART_PAUSE)
                    self._spawn()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, SUPERVISED)

    def _spawn(self) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _orphan_guard(parent)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, SUPERVISED)
                code = self.work()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 - whatever it was, the child must not return into the parent's code
                log.exception("worker failed")
            finally:
                os._exit(code)
        self.started[pid] = time.monotonic()
        log.info("worker %d started", pid)

    def _reap(self) -> list[tuple[int, int]]:
        """Workers that have exited: (pid, exit code; minus the signal that killed one)."""
        dead = []
        while self.started:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in self.started:
                dead.append((pid, os.waitstatus_to_exitcode(status)))
                if self.on_exit is not None:
                    self.on_exit(pid)
        return dead

    def _stop(self) -> int:
        """SIGTERM every worker, wait for them (a second SIGTERM/SIGINT, or ``stop_timeout``: SIGKILL)."""
        self._signal_all(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        while self.started:
            left = deadline - time.monotonic()
            received = signal.sigtimedwait(SUPERVISED, max(left, 0.0)) if left > 0 else None
            if left <= 0 or (received is not None and received.si_signo != signal.SIGCHLD):
                log.warning("killing %d workers that did not stop", len(self.started))
                self._signal_all(signal.SIGKILL)
                deadline = time.monotonic() + self.stop_timeout
            for pid, _ in self._reap():
                self.started.pop(pid, None)
        return 0

    def _signal_all(self, signum: int) -> None:
        for pid in tuple(self.started):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)


def _orphan_guard(parent: int) -> None:
    """Have the kernel send this worker SIGTERM when the parent dies (even by SIGKILL), so no worker outlives
    its supervisor serving on its own; Linux only, nothing elsewhere."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before prctl
        os._exit(0)


def serve_forked(config: uvicorn.Config, workers: int, stop_timeout: float = 30.0) -> int:
    """Bind ``config``'s socket once, then run ``workers`` uvicorn servers on it in forked processes (the app in
    ``config`` built already, with ``Preloaded`` parts). Returns the parent's exit code."""
    import uvicorn

    sock = config.bind_socket()
    _warn_about_threads()
    gc.collect()
    gc.freeze()  # the parent's objects are never collected in a worker: a collection would write to every
    # object's header and un-share its page

    def work() -> int:
        server = uvicorn.Server(config)
        server.run(sockets=[sock])
        return 0 if server.started else STARTUP_FAILURE

    try:
        return WorkerPool(work, workers, stop_timeout, on_exit=_metrics_process_dead).run()
    finally:
        sock.close()


def _warn_about_threads() -> None:
    others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
    if others:  # a thread's locks are copied into the child held, and the thread itself is not
        log.warning("threads running at the fork: %s", ", ".join(others))


def _metrics_process_dead(pid: int) -> None:
    """A dead worker's open-websocket gauge leaves the multiprocess sum (``PROMETHEUS_MULTIPROC_DIR``)."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]

