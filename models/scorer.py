"""Serving: one loaded model version turns one context into ranked, explained, policy-safe suggestions.

Per request: the feature row (``models.features``), the expected value of every action (one small
LightGBM model each), guardrails over the ranking, then for the few actions shown only: TreeSHAP
contributions -> reasons, and the calibrated confidence. Explaining only what is shown keeps one request
well under the 3 ms budget (see docs/models.md). Inputs outside what the model learned from
(``models.domain``) are named, give no reason and lower the confidence; too far out, the model abstains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.artifacts import load_version
from models.catalog import Catalog, load_catalog
from models.domain import InputDomain, OutsideTraining
from models.drift import DriftMonitor
from models.explain import Contrast, Explanation, ReasonItem, contrast_rows, contributions, explain_row
from models.exploration import OFF, Exploration, draw, slot_propensities
from models.features import FEATURES, feature_matrix
from models.guardrails import UNIDENTIFIED_NOTE, GuardedAction, apply_guardrails
from models.ranking import merge_value_models
from models.row_predict import checked
from models.scored import Scored, input_key
from models.training import TrainedModels, resolve_matrix

__all__ = ["OUT_OF_DOMAIN_CONFIDENCE", "Scorer", "Suggestion", "first_actions"]

OUT_OF_DOMAIN_CONFIDENCE = 0.8
"""Each input outside what the model learned from multiplies the prompt's confidence by this."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    action: str
    title: str
    text: str
    confidence: float
    """Calibrated probability that the contact is resolved when the agent does this."""
    expected_value: float
    """The value model's raw score for this action (reward units); the reasons add up to it from ``base``.
    For an identity check that policy put before another action (``proposed``), that action's score,
    reasons and confidence: what the check enables."""
    base: float
    reasons: tuple[ReasonItem, ...]
    guardrails: tuple[str, ...]
    proposed: str
    """The model's action before a guardrail replaced it (same as ``action`` otherwise)."""
    model_version: str
    unknown_inputs: tuple[str, ...] = ()
    """Context fields outside what the model learned from (named in ``guardrails``, never in ``reasons``)."""
    contrast: Contrast | None = None
    """Why this action beats the runner-up (the next action policy allows), in points; None when there is
    no other allowed action."""
    propensity: float = 1.0
    """P(this action is shown in this slot for this context) under the serving policy (1 without exploration)."""
    candidates: tuple[tuple[str, float], ...] = ()
    """The first slot's distribution over the actions that passed policy unchanged (sums to 1); set on every
    suggestion of one call."""


class Scorer:
    """Holds one model version; ``suggest`` is pure and thread-safe (LightGBM prediction is read-only)."""

    def __init__(self, models: TrainedModels, catalog: Catalog | None = None, top_reasons: int = 3) -> None:
        self.models = models
        self.catalog = catalog or load_catalog()
        missing = [a for a in models.actions if a not in self.catalog]
        if missing:
            raise ValueError(f"model actions missing from the catalog: {missing}")
        self.version = str(models.metadata.get("version", "unsaved"))
        self.top_reasons = top_reasons
        probe = np.vstack([np.zeros(len(FEATURES)), np.random.default_rng(0).uniform(-1, 100, (8, len(FEATURES)))])
        self.ranker = merge_value_models([models.value_models[a] for a in models.actions], check=probe)
        """All action values in one LightGBM call (checked equal to the per-action models)."""
        # One row at a time through LightGBM's single-row entry point, each checked bit-equal to Booster.predict
        # on the probe rows (None: Booster.predict serves; see models.row_predict).
        self._rank_row = checked(self.ranker, "raw", probe)
        self._contrib_rows = {a: checked(models.value_models[a], "contrib", probe) for a in models.actions}
        actions = np.array([models.actions[i % len(models.actions)] for i in range(len(probe))], dtype=object)
        self._resolve_row = checked(models.resolve_model, "normal", resolve_matrix(probe, actions, models.actions))
        profile = models.metadata.get("drift_profile")
        self.monitor = DriftMonitor(profile) if profile else None
        """The rows this scorer served, for drift against its training data (None without a profile)."""
        domain = models.metadata.get("input_domain")
        self.domain = InputDomain.from_json(domain) if domain else None
        """What the model learned from (None for a version saved without it: nothing is checked)."""

    @classmethod
    def load(cls, path: str | Path, catalog: Catalog | None = None) -> Scorer:
        """Load a version directory; raises ``models.artifacts.ArtifactError`` when it is unusable."""
        return cls(load_version(path), catalog)

    def rank(self, context: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """(feature row (1, F), expected value per action in ``models.actions`` order)."""
        X = feature_matrix(context)
        return X, self.row_values(X)

    def row_values(self, X: np.ndarray) -> np.ndarray:
        """Expected value per action (``models.actions`` order) of the one feature row ``X`` (1, F)."""
        if self._rank_row is not None:
            return self._rank_row(X[0])
        values: np.ndarray = np.asarray(self.ranker.predict(X, raw_score=True, num_threads=1))[0]
        return values

    def contribution(self, action: str, X: np.ndarray) -> np.ndarray:
        """``action``'s TreeSHAP row for the one feature row ``X`` (1, F): ``models.explain.contributions``."""
        fast = self._contrib_rows.get(action)
        if fast is not None:
            return fast(X[0])
        row: np.ndarray = contributions(self.models.value_models[action], X)[0]
        return row

    def confidences(self, X: np.ndarray, actions: list[str]) -> np.ndarray:
        """``TrainedModels.confidence`` of the one feature row ``X`` (1, F) taking each of ``actions``."""
        if self._resolve_row is None:
            return self.models.confidence(np.repeat(X, len(actions), axis=0), np.array(actions, dtype=object))
        rows = resolve_matrix(np.repeat(X, len(actions), axis=0), np.array(actions, dtype=object), self.models.actions)
        return self.models.calibrator(np.array([self._resolve_row(row)[0] for row in rows]))

    def scored(self, context: Mapping[str, Any], last: Scored | None = None) -> Scored:
        """This version's work on ``context``: ``last`` when it was done on the same context by this scorer
        (nothing is computed again), else the feature row, the values and the domain flags computed now."""
        key = input_key(context)
        if last is not None and last.matches(self, key):
            return last
        X, values = self.rank(context)
        flags = self.domain.check(context) if self.domain is not None else ()
        return Scored(self, key, X, values, flags)

    def suggest(self, context: Mapping[str, Any], k: int = 1, exclude: frozenset[str] = frozenset(),
                exploration: Exploration = OFF, rng: np.random.Generator | None = None,
                scored: Scored | None = None) -> list[Suggestion]:
        """The ``k`` best allowed actions for one context, best first, each explained.

        With ``exploration`` on, the first is drawn from the actions policy allows unchanged (``models.exploration``;
        never when the best allowed action is one policy imposed) and the others follow in ranking order; each
        suggestion carries its propensity.

        ``exclude`` drops actions already suggested in this journey before guardrails run. An input outside
        what the model learned from (``models.domain``) is named in every suggestion's guardrails, gives no
        reason, and multiplies the confidence by ``OUT_OF_DOMAIN_CONFIDENCE``. Raises ``OutsideTraining``
        when an input is too far out for the model to answer at all (the caller answers with rules), and
        KeyError when the context lacks a feature column.

        ``scored``: the work already done on this context (``scored(context, last)``); the scores, TreeSHAP
        rows, confidences and reasons it holds are reused and the ones it lacks are added to it. The
        suggestions are the same with or without it.
        """
        work = scored if scored is not None else self.scored(context)
        X, values, flags = work.X, work.values, work.flags
        if self.monitor is not None:
            self.monitor.add(X[0])
        if any(f.far for f in flags):
            raise OutsideTraining(flags)
        unknown = frozenset(f.field for f in flags)
        doubt = OUT_OF_DOMAIN_CONFIDENCE ** len(flags)
        order = [self.models.actions[i] for i in np.argsort(-values, kind="stable")]
        allowed = [a for a in order if a not in exclude]
        ranked = apply_guardrails(allowed, context, self.catalog)
        if not ranked:
            return []
        index = {a: i for i, a in enumerate(self.models.actions)}
        candidates: tuple[tuple[str, float], ...] = ((ranked[0].action, 1.0),)
        if exploration.method == "off":
            guarded = apply_guardrails(allowed, context, self.catalog, limit=k)
            propensities = [1.0] * len(guarded)
        else:
            ranked, candidates, propensities = _explore(ranked, values, index, exploration, k,
                                                        rng or np.random.default_rng())
            guarded = ranked[:k]
        verify = self.catalog.policy["verify_action"]
        # A check that policy put before an action is there for that action: its value, reasons and
        # confidence are the enabled action's (the check alone resolves nothing, and its own value model
        # would argue against it).
        judged = [g.proposed if g.action == verify else g.action for g in guarded]
        # The runner-up of each shown action: the next action policy would allow, judged the same way.
        following = [g.proposed if g.action == verify else g.action for g in ranked]
        confidence = work.confidence(judged)
        out = []
        for i, (g, action, conf) in enumerate(zip(guarded, judged, confidence, strict=True)):
            versus = next((a for a in following[i + 1:] if a != action), None)
            why, contrast = self._explained(work, context, action, versus, unknown)
            out.append(Suggestion(action=g.action, title=g.title, text=self.catalog[g.action].text,
                                  confidence=conf * doubt, expected_value=float(values[index[action]]),
                                  base=why.base, reasons=why.reasons,
                                  guardrails=(*g.notes, *(f.note for f in flags)), proposed=g.proposed,
                                  model_version=self.version, unknown_inputs=tuple(sorted(unknown)),
                                  contrast=contrast, propensity=propensities[i], candidates=candidates))
        return out

    def _explained(self, work: Scored, context: Mapping[str, Any], action: str, versus: str | None,
                   unknown: frozenset[str]) -> tuple[Explanation, Contrast | None]:
        """``action``'s reasons and its contrast with ``versus``, from ``work`` when it has them already."""
        known = work.explanations.get((action, versus))
        if known is not None:
            return known
        contrib = work.contribution(action)
        why = explain_row(contrib, context, self.catalog[action].short, top=self.top_reasons, unknown=unknown)
        contrast = None if versus is None else contrast_rows(
            contrib, work.contribution(versus), context, self.catalog[action].short, versus,
            self.catalog[versus].short, top=self.top_reasons, unknown=unknown)
        work.explanations[(action, versus)] = (why, contrast)
        return why, contrast

    def choose(self, frame: pd.DataFrame, guarded: bool = True) -> np.ndarray:
        """The action the model would suggest first for every row of a history frame (batch evaluation)."""
        values = np.asarray(self.ranker.predict(feature_matrix(frame), raw_score=True, num_threads=1))
        return first_actions(values, self.models.actions, frame, self.catalog if guarded else None)


def _bound(g: GuardedAction) -> bool:
    """Policy imposed this action (replaced the model's, or put the identity check first)."""
    return g.action != g.proposed or UNIDENTIFIED_NOTE in g.notes


def _explore(ranked: list[GuardedAction], values: np.ndarray, index: Mapping[str, int], exploration: Exploration,
             k: int, rng: np.random.Generator
             ) -> tuple[list[GuardedAction], tuple[tuple[str, float], ...], list[float]]:
    """(``ranked`` with the drawn first action moved to the front, the first slot's distribution, the
    propensity of each of the first ``k``). Nothing is drawn when the best allowed action is policy's."""
    if _bound(ranked[0]):
        return ranked, ((ranked[0].action, 1.0),), [1.0] * min(k, len(ranked))
    pool = [g for g in ranked if not _bound(g)]
    first = exploration.probabilities([values[index[g.action]] for g in pool])
    drawn = pool[draw(first, rng)]
    shown = [drawn, *(g for g in ranked if g is not drawn)]
    slots = slot_propensities([g.action for g in ranked], [g.action for g in pool], first, k)
    return (shown, tuple((g.action, float(p)) for g, p in zip(pool, first, strict=True)),
            [slots[(j, g.action)] for j, g in enumerate(shown[:k])])


def first_actions(values: np.ndarray, actions: tuple[str, ...], frame: pd.DataFrame,
                  catalog: Catalog | None) -> np.ndarray:
    """Per row, the best action by ``values`` (n, len(actions)), after guardrails when a catalog is given."""
    order = np.argsort(-values, axis=1, kind="stable")
    ids = np.asarray(actions, dtype=object)
    if catalog is None:
        return ids[order[:, 0]]
    needed = [c for c in _GUARD_COLUMNS if c in frame.columns]
    out = np.empty(len(frame), dtype=object)
    for i, row in enumerate(frame[needed].to_dict("records")):
        first = apply_guardrails(list(ids[order[i]]), row, catalog, limit=1)
        out[i] = first[0].action if first else ids[order[i, 0]]
    return out


_GUARD_COLUMNS = ("reason", "vulnerable", "open_complaint", "identity_verified", "refund_amount", "refund_limit",
                  "consent_marketing", "consent_profiling", "consent_analytics")
