"""Queueing-theory references for a single skill: Erlang C (M/M/n) and Erlang A (M/M/n+M).

Erlang C is the textbook closed form (through the numerically stable Erlang B recursion). Erlang A is
Palm's model as summarised by Mandelbaum & Zeltyn ("The M/M/n+G queue: summary of performance
measures", 2005, the exponential-patience case), computed exactly from its birth-death chain:

* ``pi[k]`` for k <= n are Poisson-like (lambda/mu)^k/k!, and ``pi[n+j] = pi[n] * prod_{i=1..j}
  lambda / (n mu + i theta)``, truncated once the terms are negligible;
* by PASTA an arrival sees state k with probability ``pi[k]``. One who finds j others waiting advances
  one place at rate ``n mu + i theta`` (a service or an abandonment ahead) while abandoning itself at
  rate ``theta``, so it is served with probability ``prod_{i=0..j} (n mu + i theta) / (n mu + (i+1)
  theta)``, and the time it spends waiting is a transient of that small absorbing chain, which gives
  P(wait <= t and served) by uniformisation.

Two service-level definitions are reported: answered within ``t`` over all arrivals (abandoned ones
count as misses) and answered within ``t`` over answered contacts only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import poisson

__all__ = ["QueueFigures", "erlang_a", "erlang_b", "erlang_c"]


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """Steady-state figures of one queue. ``asa`` is the mean wait of answered contacts (seconds)."""

    p_wait: float
    asa: float
    service_level_all: float
    service_level_answered: float
    p_abandon: float
    occupancy: float


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/n/n with offered ``load`` = lambda/mu erlangs."""
    if servers < 0 or load < 0:
        raise ValueError("servers and load must be >= 0")
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(arrival_rate: float, mean_handle: float, servers: int, sl_seconds: float = 20.0) -> QueueFigures:
    """M/M/n without abandonment; raises ValueError unless the queue is stable (load < servers)."""
    load = arrival_rate * mean_handle
    if servers < 1 or load >= servers:
        raise ValueError(f"unstable: load {load:.2f} erlangs on {servers} servers")
    b = erlang_b(servers, load)
    c = servers * b / (servers - load * (1 - b))
    drain = servers / mean_handle - arrival_rate
    sl = 1.0 - c * math.exp(-drain * sl_seconds)
    return QueueFigures(p_wait=c, asa=c / drain, service_level_all=sl, service_level_answered=sl,
                        p_abandon=0.0, occupancy=load / servers)


def _palm_distribution(arrival_rate: float, mu: float, theta: float, servers: int) -> np.ndarray:
    """Stationary probabilities pi[0..n+J] of M/M/n+M in log space, truncated where the tail is < 1e-16."""
    log_load = math.log(arrival_rate / mu)
    k = np.arange(servers + 1)
    log_head = k * log_load - np.asarray([math.lgamma(x + 1) for x in k])
    pieces, last, j0 = [log_head], float(log_head[-1]), 0
    while True:
        j = np.arange(j0 + 1, j0 + 4097)
        log_tail = last + np.cumsum(math.log(arrival_rate) - np.log(servers * mu + j * theta))
        pieces.append(log_tail)
        last, j0 = float(log_tail[-1]), j0 + 4096
        peak = max(float(np.max(p)) for p in pieces)
        if (last < peak - 37 and log_tail[-1] < log_tail[0]) or j0 > 2_000_000:
            break
    log_pi = np.concatenate(pieces)
    pi = np.exp(log_pi - log_pi.max())
    pi /= pi.sum()
    keep = np.flatnonzero(pi > 1e-16)
    kept: np.ndarray = pi[: max(int(keep.max()) + 1, servers + 1)]
    return kept


def erlang_a(arrival_rate: float, mean_handle: float, servers: int, mean_patience: float,
             sl_seconds: float = 20.0) -> QueueFigures:
    """M/M/n+M (Palm / Erlang A) with exponential patience of mean ``mean_patience`` seconds.

    Stable for any load; raises ValueError for servers < 1 or non-positive times.
    """
    if servers < 1 or mean_handle <= 0 or mean_patience <= 0 or arrival_rate <= 0:
        raise ValueError("need servers >= 1 and positive rate, handle and patience")
    mu, theta = 1.0 / mean_handle, 1.0 / mean_patience
    pi = _palm_distribution(arrival_rate, mu, theta, servers)
    queued = pi[servers:]
    ahead = np.arange(len(queued))
    exit_rate = servers * mu + (ahead + 1) * theta
    advance = (servers * mu + ahead * theta) / exit_rate
    p_served_given = np.cumprod(advance)
    expected_wait_given = np.cumsum(1.0 / exit_rate)
    p_wait = float(queued.sum())
    served = float(pi[:servers].sum() + (queued * p_served_given).sum())
    asa = float((queued * p_served_given * expected_wait_given).sum()) / served
    answered_in_time = float(pi[:servers].sum() + _served_within(queued, exit_rate, advance, sl_seconds))
    busy = float((np.minimum(np.arange(len(pi)), servers) * pi).sum())
    return QueueFigures(p_wait=p_wait, asa=asa, service_level_all=answered_in_time,
                        service_level_answered=answered_in_time / served, p_abandon=1.0 - served,
                        occupancy=busy / servers)


def _served_within(start: np.ndarray, exit_rate: np.ndarray, advance: np.ndarray, t: float) -> float:
    """P(served by ``t``) for a tagged waiting customer starting j places from the head with
    probability ``start[j]``: the transient of the death chain j -> ... -> 0 -> served, by
    uniformisation (the chain is bidiagonal, so each step is a vector operation)."""
    rate = float(exit_rate.max())
    p_jump = exit_rate / rate
    move = p_jump * advance
    mean = rate * t
    terms = int(mean + 10 * math.sqrt(mean) + 20)
    weights = poisson.pmf(np.arange(terms + 1), mean)
    x, served, total = start.astype(np.float64).copy(), 0.0, 0.0
    for k in range(terms + 1):
        total += weights[k] * served
        served += x[0] * move[0]
        x = np.concatenate([x[:-1] * (1 - p_jump[:-1]) + x[1:] * move[1:], x[-1:] * (1 - p_jump[-1:])])
    return total
