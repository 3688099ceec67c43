"""Discrete-event traffic simulation (SimPy) driving the real routing engine, with Erlang checks.

``contact_center_day`` builds a multi-skill day, ``simulate`` runs it under a ``SimPolicy`` (settings of
``routing.engine``), ``summarize`` turns the run into service level, ASA, abandonment and occupancy,
``compare_day`` compares policies and staffing on identical traffic, ``erlang_table`` checks
single-skill runs against Erlang C and Erlang A, and ``plot_runs`` draws the comparison.
"""

from simulator.traffic.des import TrafficResult, simulate
from simulator.traffic.erlang import QueueFigures, erlang_a, erlang_b, erlang_c
from simulator.traffic.experiments import compare_day
from simulator.traffic.policies import POLICIES, SimPolicy, policy_named
from simulator.traffic.report import Figures, TrafficReport, report_frame, summarize
from simulator.traffic.scenario import (
    ContactStream,
    QueueSpec,
    Scenario,
    SimAgent,
    contact_center_day,
    draw_contacts,
    single_queue,
)
from simulator.traffic.validation import CASES, ErlangCase, ValidationRow, compare_with_erlang, erlang_table

__all__ = [
    "CASES",
    "POLICIES",
    "ContactStream",
    "ErlangCase",
    "Figures",
    "QueueFigures",
    "QueueSpec",
    "Scenario",
    "SimAgent",
    "SimPolicy",
    "TrafficReport",
    "TrafficResult",
    "ValidationRow",
    "compare_day",
    "compare_with_erlang",
    "contact_center_day",
    "draw_contacts",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "erlang_table",
    "policy_named",
    "report_frame",
    "simulate",
    "single_queue",
    "summarize",
]
