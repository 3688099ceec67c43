"""Interaction history drawn from a World under the logging policy, in the import schema.

Journeys start at random times over the period; each contact of a journey is one row: the context the
agent saw, the action the logging policy drew (with its propensity) and outcomes drawn from the truth.
An unresolved journey comes back (same session after a verification or transfer, a phone callback after
``schedule_callback``, otherwise a later contact on the same or another channel) with its state carried:
step, previous action, apology, sentiment. A verification never resolves the contact (the truth gives it
no resolution): the same session always goes on, identity verified, unless the customer left. The export
window is the first ``n`` rows in time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np
import pandas as pd

from simulator.world.agents import LANGUAGE_SKILLS
from simulator.world.behaviour import LoggingPolicy
from simulator.world.catalog import ACTIONS, CHANNELS, CONSENT_PURPOSES, REASON_SKILL, REASONS, TEMPERAMENTS
from simulator.world.schema import coerce_history, validate_history
from simulator.world.truth import outcome_table
from simulator.world.world import World, generate_world, stream

__all__ = ["MAX_STEPS", "ActionPolicy", "deploy_journeys", "generate_history"]

MAX_STEPS = 5
_A = {a: i for i, a in enumerate(ACTIONS)}
_REASON_MIX = np.array([0.16, 0.10, 0.12, 0.10, 0.18, 0.10, 0.12, 0.12])
_MOOD = {"calm": 0.1, "anxious": -0.2, "angry": -0.5, "analytical": 0.0}
_REASON_MOOD = np.array([-0.1, -0.2, -0.1, -0.2, -0.1, -0.35, 0.1, 0.0])
_VERIFIED_ON_ARRIVAL = np.array([0.6, 0.45, 0.2])  # chat (logged in), phone (IVR), email
_MEAN_WAIT = np.array([30.0, 45.0, 3 * 3600.0])
_MEDIAN_HANDLE = np.array([540.0, 360.0, 300.0])
_HOUR_WEIGHTS = np.array([1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 18, 16, 15, 16, 17, 16, 14, 12, 10, 8, 6, 4, 2, 1.0])


class ActionPolicy(Protocol):
    """Who picks each contact's action: the logging habit for history, or a policy deployed over journeys."""

    @property
    def name(self) -> str: ...

    def sample(self, contexts: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """One action per row (indices into ``ACTIONS``) and the probability it had of being chosen."""
        ...


@dataclass
class _Journeys:
    """Per-journey arrays (index = journey) that stay fixed, plus the state that moves between steps."""

    customer: np.ndarray
    reason: np.ndarray
    order: np.ndarray
    refund_amount: np.ndarray
    open_complaint: np.ndarray
    prior_contacts: np.ndarray
    time: np.ndarray
    channel: np.ndarray
    verified: np.ndarray
    apology: np.ndarray
    previous: np.ndarray
    sentiment: np.ndarray
    same_session: np.ndarray
    rows: list[pd.DataFrame] = field(default_factory=list)


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    cumulative = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    chosen: np.ndarray = np.minimum((rng.random(len(probs))[:, None] > cumulative).sum(axis=1), probs.shape[1] - 1)
    return chosen


def _start(world: World, rng: np.random.Generator, n_journeys: int, days: int) -> _Journeys:
    customers = world.customers
    risk = customers["churn_risk"].to_numpy(dtype=float)
    angry = (customers["temperament"] == "angry").to_numpy()
    weight = 1.0 + 1.5 * risk + 0.5 * angry
    cust = rng.choice(len(customers), size=n_journeys, p=weight / weight.sum())
    mix = np.tile(_REASON_MIX, (n_journeys, 1))
    mix[:, REASONS.index("cancel")] *= 1 + 3 * risk[cust]
    mix[:, REASONS.index("plan_change")] *= np.where(customers["plan"].to_numpy()[cust] == "basic", 1.5, 1.0)
    mix[:, REASONS.index("complaint")] *= np.where(angry[cust], 2.0, 1.0)
    reason = _categorical(rng, mix)

    owner = world.orders["customer_id"].str.slice(1).astype(int).to_numpy() - 1
    counts = np.bincount(owner, minlength=len(customers))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    about_order = np.isin(reason, [REASONS.index("refund"), REASONS.index("order_status")]) & (counts[cust] > 0)
    order = np.where(about_order, first[cust] + (rng.random(n_journeys) * counts[cust]).astype(int), -1)
    order_value = np.where(order >= 0, world.orders["amount"].to_numpy()[np.maximum(order, 0)], 0.0)
    refund = np.zeros(n_journeys)
    is_refund, is_billing = reason == REASONS.index("refund"), reason == REASONS.index("billing_dispute")
    asked_back = np.where(order >= 0, order_value * rng.uniform(0.3, 1.0, n_journeys),
                          rng.lognormal(4.1, 0.8, n_journeys))
    refund[is_refund] = asked_back[is_refund]
    refund[is_billing] = rng.lognormal(np.log(35.0), 0.9, n_journeys)[is_billing]

    preferred = pd.Categorical(customers["preferred_channel"].to_numpy()[cust], categories=CHANNELS).codes
    channel = np.where(rng.random(n_journeys) < 0.7, preferred, rng.integers(0, 3, n_journeys))
    hour = rng.choice(24, size=n_journeys, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    time = rng.integers(0, days, n_journeys) * 86400.0 + hour * 3600.0 + rng.random(n_journeys) * 3600.0
    mood = np.array([_MOOD[t] for t in TEMPERAMENTS])
    temper = pd.Categorical(customers["temperament"].to_numpy()[cust], categories=TEMPERAMENTS).codes
    sentiment = mood[temper] + _REASON_MOOD[reason] + rng.normal(0.0, 0.3, n_journeys)
    return _Journeys(
        customer=cust, reason=reason, order=order, refund_amount=np.round(refund, 2),
        open_complaint=(reason == REASONS.index("complaint")) | (rng.random(n_journeys) < 0.08),
        prior_contacts=rng.poisson(0.4, n_journeys), time=time, channel=channel,
        verified=np.zeros(n_journeys, dtype=bool), apology=np.zeros(n_journeys, dtype=bool),
        previous=np.full(n_journeys, -1), sentiment=np.clip(sentiment, -1, 1),
        same_session=np.zeros(n_journeys, dtype=bool),
    )


def _agents_for(world: World, rng: np.random.Generator, reason: np.ndarray, language: np.ndarray) -> np.ndarray:
    """Index into ``world.agents`` of an agent holding the reason's skill (and language, if any does)."""
    chosen = rng.integers(0, len(world.agents), len(reason))
    for r, name in enumerate(REASONS):
        for lang in np.unique(language[reason == r]):
            pool = [i for i, a in enumerate(world.agents)
                    if REASON_SKILL[name] in a.skills and (lang == "en" or LANGUAGE_SKILLS.get(lang) in a.skills)]
            pool = pool or [i for i, a in enumerate(world.agents) if REASON_SKILL[name] in a.skills]
            mask = (reason == r) & (language == lang)
            if pool and mask.any():
                chosen[mask] = np.asarray(pool)[rng.integers(0, len(pool), int(mask.sum()))]
    return chosen


def _step(world: World, rng: np.random.Generator, js: _Journeys, active: np.ndarray, step: int,
          policy: ActionPolicy, csat_rate: float) -> np.ndarray:
    """Log one contact for each active journey; returns the journeys that come back for another."""
    cust, reason = js.customer[active], js.reason[active]
    customers = world.customers.iloc[cust].reset_index(drop=True)
    channel = js.channel[active]
    new_session = ~js.same_session[active]
    verified = np.where(new_session, rng.random(len(active)) < _VERIFIED_ON_ARRIVAL[channel], js.verified[active])
    wait = np.where(new_session, rng.exponential(_MEAN_WAIT[channel]), 0.0)
    agent = _agents_for(world, rng, reason, customers["language"].to_numpy(dtype=object))
    order = js.order[active]
    previous = js.previous[active]
    frame = pd.DataFrame({
        "journey_id": [f"J{j + 1:07d}" for j in active],
        "customer_id": customers["customer_id"],
        "agent_id": [world.agents[i].agent_id for i in agent],
        "started_at": js.time[active],
        "channel": np.asarray(CHANNELS, dtype=object)[channel],
        **{c: customers[c] for c in ("segment", "plan", "lifetime_value", "churn_risk", "temperament",
                                      "vulnerable", "language", "preferred_channel")},
        "tenure_months": customers["tenure_months"].to_numpy() + (js.time[active] // (30.44 * 86400)).astype(int),
        **{f"consent_{p}": customers[f"consent_{p}"] for p in CONSENT_PURPOSES},
        "reason": np.asarray(REASONS, dtype=object)[reason],
        "journey_step": step,
        "identity_verified": verified,
        "apology_given": js.apology[active],
        "previous_action": pd.array([ACTIONS[p] if p >= 0 else None for p in previous], dtype="string"),
        "prior_contacts_30d": js.prior_contacts[active] + step,
        "open_complaint": js.open_complaint[active],
        "order_id": pd.array(np.where(order >= 0, world.orders["order_id"].to_numpy(dtype=object)[np.maximum(order, 0)],
                                      None), dtype="string"),
        "order_value": np.where(order >= 0, world.orders["amount"].to_numpy()[np.maximum(order, 0)], 0.0),
        "refund_amount": js.refund_amount[active],
        "refund_limit": [world.agents[i].refund_limit for i in agent],
        "wait_seconds": np.round(wait, 1),
        "sentiment": np.round(js.sentiment[active], 2),
    })
    action, propensity = policy.sample(frame, rng)
    table = outcome_table(frame)
    rows = np.arange(len(active))
    p_res, p_esc = table.resolve[rows, action], table.escalate[rows, action]
    p_churn, mean_csat = table.churn[rows, action], table.csat[rows, action]
    resolved = rng.random(len(active)) < p_res
    escalated = rng.random(len(active)) < p_esc
    churned = rng.random(len(active)) < p_churn
    # Shift CSAT towards resolved/unresolved without moving its mean or leaving [1, 5].
    room = np.minimum((5 - mean_csat) / np.maximum(1 - p_res, 1e-9), (mean_csat - 1) / np.maximum(p_res, 1e-9))
    shift = np.minimum(0.8, room)
    conditional = np.where(resolved, mean_csat + shift * (1 - p_res), mean_csat - shift * p_res)
    csat = 1 + rng.binomial(4, np.clip((conditional - 1) / 4, 0, 1))
    answered = rng.random(len(active)) < csat_rate
    handle = _MEDIAN_HANDLE[channel] * rng.lognormal(0.0, 0.5, len(active))
    handle *= np.where(np.isin(action, [_A["transfer_specialist"], _A["escalate_supervisor"]]), 1.3, 1.0)
    frame["ended_at"] = js.time[active] + wait + handle
    frame["action"] = np.asarray(ACTIONS, dtype=object)[action]
    frame["propensity"] = propensity
    frame["logging_policy"] = policy.name
    frame["resolved"], frame["escalated"], frame["churned"] = resolved, escalated, churned
    frame["csat"] = pd.array(np.where(answered, csat, 0), dtype="Int64").astype("Int64")
    frame.loc[~answered, "csat"] = pd.NA
    js.rows.append(frame)

    # A verification is a step inside the contact: the customer stays on the line for what it enables.
    back_rate = np.where(action == _A["verify_identity"], 1.0,
                         np.where(escalated, 0.3, np.where(action == _A["close_with_survey"], 0.4, 0.65)))
    again = ~resolved & ~churned & (rng.random(len(active)) < back_rate) & (step + 1 < MAX_STEPS)
    session = np.isin(action, [_A["verify_identity"], _A["transfer_specialist"]])
    callback = action == _A["schedule_callback"]
    gap = np.where(session, rng.uniform(20, 120, len(active)),
                   np.where(callback, rng.uniform(2, 24, len(active)) * 3600,
                            600 + rng.exponential(30 * 3600, len(active))))
    other = rng.integers(0, 3, len(active))
    js.channel[active] = np.where(session, channel, np.where(callback, CHANNELS.index("phone"),
                                                              np.where(rng.random(len(active)) < 0.65, channel, other)))
    js.time[active] = frame["ended_at"].to_numpy() + gap
    js.same_session[active] = session
    js.verified[active] = verified | (action == _A["verify_identity"])
    js.apology[active] |= action == _A["apologise_acknowledge"]
    js.previous[active] = action
    lift = 0.3 * (action == _A["apologise_acknowledge"])
    js.sentiment[active] = np.clip(js.sentiment[active] - 0.25 + lift + rng.normal(0, 0.2, len(active)), -1, 1)
    coming_back: np.ndarray = active[again]
    return coming_back


def _journeys(world: World, n_journeys: int, policy: ActionPolicy, seed: int | None, csat_rate: float,
              days: int) -> pd.DataFrame:
    """Every contact of ``n_journeys`` journeys, each stepped until it ends (times in seconds from the start)."""
    rng = stream(world.seed if seed is None else seed, "history")
    js = _start(world, rng, n_journeys=n_journeys, days=days)
    active = np.arange(n_journeys)
    for step in range(MAX_STEPS):
        if len(active) == 0:
            break
        active = _step(world, rng, js, active, step, policy, csat_rate)
    return pd.concat(js.rows, ignore_index=True)


def _finish(frame: pd.DataFrame, origin: datetime) -> pd.DataFrame:
    for column in ("started_at", "ended_at"):
        millis = np.round(frame[column].to_numpy(dtype=float) * 1000).astype(np.int64)
        frame[column] = pd.Timestamp(origin) + pd.to_timedelta(millis, unit="ms")
    frame["interaction_id"] = [f"I{i + 1:08d}" for i in range(len(frame))]
    frame = coerce_history(frame)
    validate_history(frame)
    return frame


def generate_history(world: World | int, n: int, *, policy: ActionPolicy | None = None, seed: int | None = None,
                     csat_response_rate: float = 1.0, start: datetime | None = None) -> pd.DataFrame:
    """``n`` logged interactions from ``world`` (or from ``generate_world(world)`` given a seed).

    ``seed`` picks the history's random stream (default: the world's seed), so one world can yield
    several independent histories; ``csat_response_rate`` is the share of contacts with a survey answer;
    ``start`` is the first day (default: the world's reference time). Returns a DataFrame in
    ``HISTORY_COLUMNS`` order and dtypes, sorted by ``started_at``. Raises ValueError if n < 1.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    if not 0.0 <= csat_response_rate <= 1.0:
        raise ValueError("csat_response_rate must be in [0, 1]")
    world = generate_world(world) if isinstance(world, int) else world
    frame = _journeys(world, n, policy or LoggingPolicy(), seed, csat_response_rate, days=max(7, -(-n // 1500)))
    frame = frame.sort_values(["started_at", "journey_id"], kind="stable").head(n).reset_index(drop=True)
    return _finish(frame, start or world.reference_time)


def deploy_journeys(world: World | int, n_journeys: int, policy: ActionPolicy, *, seed: int | None = None
                    ) -> pd.DataFrame:
    """Every contact of ``n_journeys`` whole journeys of ``world`` with ``policy`` choosing each action, stepped
    exactly as ``generate_history`` steps them (same starts for the same seed, whatever the policy), to the end:
    resolved, churned, not back, or ``MAX_STEPS`` contacts. Sorted by journey and step, every survey answered.

    A deterministic policy (one that draws nothing from the generator) meets the same journeys, and at their
    first contact the same random numbers, as any other: the fair ground to compare policies on.
    Raises ValueError if n_journeys < 1.
    """
    if n_journeys < 1:
        raise ValueError("n_journeys must be at least 1")
    world = generate_world(world) if isinstance(world, int) else world
    frame = _journeys(world, n_journeys, policy, seed, 1.0, days=max(7, -(-n_journeys // 1500)))
    frame = frame.sort_values(["journey_id", "journey_step"], kind="stable").reset_index(drop=True)
    return _finish(frame, world.reference_time)
