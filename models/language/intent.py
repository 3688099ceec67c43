"""Why the customer got in touch, from their words: a calibrated text classifier over contact reasons.

Routed contacts arrive as ``general`` (the queue does not say why); the first things a customer says usually
do. The classifier is TF-IDF over words (1-2 grams) and characters (3-5 grams, robust to typos) feeding a
linear SVM whose scores are calibrated into probabilities by cross-validated sigmoid scaling, so that
"confidence 0.8" means about 8 in 10 such calls are right: the service only adopts a reason above a threshold.
It learns from labelled utterances (``text,intent`` CSV): the built-in ``intents.csv`` written for the
product's reasons, plus whatever a center imports (``assist models import-intents``). ``general`` is a class
too (greetings, identity details, small talk): those lines must not name a reason.

Training takes 0.2 s on an idle host and seconds on a loaded one, so it happens on first use
(``IntentDetector``; the app starts that in a background thread), never at import.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

__all__ = ["BUILT_IN", "GENERAL", "HELD_OUT", "Intent", "IntentClassifier", "IntentDetector", "Labelled",
           "cross_validated", "read_utterances"]

HERE = Path(__file__).resolve().parent
BUILT_IN = HERE / "intents.csv"
"""Utterances written for the product's contact reasons (models/catalog: the world's ``REASONS``) and ``general``."""
HELD_OUT = HERE / "intents_heldout.csv"
"""Paraphrases written apart from ``BUILT_IN`` (and from the simulator's lines), only to measure accuracy."""
GENERAL = "general"
"""The label for words that name no reason, and the reason of a contact that arrived without one."""
LABEL = re.compile(r"[a-z][a-z0-9_]{0,63}")
MIN_PER_LABEL = 5
"""Fewer lines than this per intent cannot be cross-validated for calibration, nor learned from."""
MAX_TEXT = 2000


@dataclass(frozen=True)
class Intent:
    reason: str
    confidence: float


@dataclass(frozen=True)
class Labelled:
    texts: list[str]
    intents: list[str]

    def __add__(self, other: Labelled) -> Labelled:
        return Labelled(self.texts + other.texts, self.intents + other.intents)


def read_utterances(path: Path | str) -> Labelled:
    """The ``text,intent`` rows of the CSV at ``path``.

    Raises ValueError naming the first bad line: missing columns, an empty or over-long text, an intent that
    is not a lowercase id (``billing_dispute``), or an intent with fewer than ``MIN_PER_LABEL`` lines. One
    intent is enough: a center's file adds to the built-in lines.
    """
    texts: list[str] = []
    intents: list[str] = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"text", "intent"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: the header must name the columns 'text' and 'intent'")
        for line, row in enumerate(reader, start=2):
            text, intent = (row.get("text") or "").strip(), (row.get("intent") or "").strip()
            if not text or len(text) > MAX_TEXT:
                raise ValueError(f"{path}:{line}: the text must have 1 to {MAX_TEXT} characters")
            if not LABEL.fullmatch(intent):
                raise ValueError(f"{path}:{line}: intent {intent!r} is not a lowercase id like 'billing_dispute'")
            texts.append(text)
            intents.append(intent)
    counts = {i: intents.count(i) for i in set(intents)}
    if few := sorted(i for i, n in counts.items() if n < MIN_PER_LABEL):
        raise ValueError(f"{path}: intents with fewer than {MIN_PER_LABEL} lines: {', '.join(few)}")
    return Labelled(texts, intents)


class IntentClassifier:
    """A trained classifier: ``predict`` gives the most likely intent and its calibrated probability.

    ``predict`` runs on the event path, so it computes what scikit-learn's ``predict_proba`` does (the tf-idf
    vectors, the SVM's decision, each class's sigmoid, normalised) straight from the fitted arrays:
    scikit-learn's input validation around a one-line call cost 10-20 ms, the arithmetic well under one
    (``probabilities`` keeps scikit-learn's own path; a test holds the two equal)."""

    def __init__(self, vectorizers: tuple[TfidfVectorizer, ...], model: CalibratedClassifierCV) -> None:
        self.vectorizers = vectorizers
        self.model = model
        self.labels: tuple[str, ...] = tuple(str(c) for c in model.classes_)
        [calibrated] = model.calibrated_classifiers_  # ensemble=False: one SVM, one sigmoid per class
        svm = calibrated.estimator
        assert list(svm.classes_) == list(model.classes_) and len(self.labels) > 2
        self._analyzers = [(v.build_analyzer(), v.vocabulary_, v.idf_) for v in vectorizers]
        self._offsets = np.cumsum([0] + [len(v.vocabulary_) for v in vectorizers])
        self._coef, self._intercept = np.asarray(svm.coef_), np.asarray(svm.intercept_)
        self._a = np.array([c.a_ for c in calibrated.calibrators])
        self._b = np.array([c.b_ for c in calibrated.calibrators])

    def features(self, texts: Sequence[str]) -> csr_matrix:
        return csr_matrix(hstack([v.transform(texts) for v in self.vectorizers]))

    def _row(self, text: str) -> np.ndarray:
        """Calibrated probabilities of one text, from the fitted arrays."""
        columns, values = [], []
        for (analyze, vocabulary, idf), offset in zip(self._analyzers, self._offsets, strict=False):
            counts: dict[int, int] = {}
            for term in analyze(text):
                if (j := vocabulary.get(term)) is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            index = np.fromiter(counts, dtype=np.int64, count=len(counts))
            weight = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[index]
            columns.append(index + offset)
            values.append(weight / np.sqrt(weight @ weight))
        decision = self._intercept.copy()
        if columns:
            decision += self._coef[:, np.concatenate(columns)] @ np.concatenate(values)
        row = 1.0 / (1.0 + np.exp(self._a * decision + self._b))
        total = row.sum()
        return row / total if total > 0 else np.full(len(row), 1.0 / len(row))

    @classmethod
    def train(cls, data: Labelled) -> IntentClassifier:
        """Fit on ``data`` (deterministic: liblinear with a fixed seed, stratified folds). Raises ValueError
        with fewer than two intents (nothing to tell apart)."""
        if len(set(data.intents)) < 2:
            raise ValueError("at least two intents are needed to tell them apart")
        vectorizers = (TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                       TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2))
        features = csr_matrix(hstack([v.fit_transform(data.texts) for v in vectorizers]))
        folds = min(5, min(data.intents.count(i) for i in set(data.intents)))
        model = CalibratedClassifierCV(LinearSVC(C=0.5, random_state=0), method="sigmoid", cv=folds,
                                       ensemble=False)
        return cls(vectorizers, model.fit(features, data.intents))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per ``labels`` entry."""
        return np.asarray(self.model.predict_proba(self.features(list(texts))))

    def predict(self, text: str) -> Intent:
        row = self._row(text)
        best = int(row.argmax())
        return Intent(self.labels[best], round(float(row[best]), 4))

    def accuracy(self, data: Labelled, threshold: float = 0.0) -> tuple[float, float]:
        """(accuracy, coverage) on ``data`` counting only predictions at or above ``threshold`` (coverage is
        the share of lines that reach it)."""
        rows = self.probabilities(data.texts)
        predicted = np.asarray(self.labels)[rows.argmax(axis=1)]
        kept = rows.max(axis=1) >= threshold
        if not kept.any():
            return 0.0, 0.0
        right = predicted[kept] == np.asarray(data.intents)[kept]
        return float(right.mean()), float(kept.mean())


_TRAINED: dict[tuple[tuple[str, int], ...], IntentClassifier] = {}
_TRAINING = threading.Lock()


def _trained(files: tuple[tuple[str, int], ...]) -> IntentClassifier:
    """The classifier trained on ``files`` ((path, mtime) pairs), trained once per process and per version
    of those files: every service in the process shares it, and a re-imported file is picked up."""
    with _TRAINING:
        if files not in _TRAINED:
            data = Labelled([], [])
            for path, _ in files:
                data = data + read_utterances(path)
            if len(_TRAINED) >= 4:  # an older version of a re-imported file is not used again
                _TRAINED.pop(next(iter(_TRAINED)))
            _TRAINED[files] = IntentClassifier.train(data)
        return _TRAINED[files]


def cross_validated(extra: Labelled, base: Labelled, folds: int = 5) -> float:
    """Accuracy on each of ``folds`` stratified parts of ``extra`` of a classifier trained on ``base`` and
    the other parts: how well a center's own lines are learned, measured on lines it did not train on."""
    labels = np.asarray(extra.intents)
    folds = max(2, min(folds, min(int((labels == i).sum()) for i in set(extra.intents))))
    right = 0
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(extra.texts, labels):
        part = Labelled([extra.texts[i] for i in train], [extra.intents[i] for i in train])
        held = Labelled([extra.texts[i] for i in test], [extra.intents[i] for i in test])
        accuracy, _ = IntentClassifier.train(base + part).accuracy(held)
        right += round(accuracy * len(test))
    return right / len(extra.texts)


class IntentDetector:
    """The service's classifier, trained on first use from ``sources`` (CSV files, read in order).

    Thread-safe: concurrent first calls train once. ``threshold`` is the confidence above which a detected
    intent becomes the journey's reason. A source that does not exist is skipped (a center that imported
    nothing); a source that changes is trained on again at the next use (``assist models import-intents``
    takes effect without a restart); one that cannot be read raises ValueError at use.
    """

    def __init__(self, sources: Iterable[Path] = (BUILT_IN,), threshold: float = 0.7) -> None:
        self.sources = tuple(sources)
        self.threshold = threshold

    def classifier(self) -> IntentClassifier:
        return _trained(tuple((str(s), s.stat().st_mtime_ns) for s in self.sources if s.exists()))

    def detect(self, said: Sequence[str]) -> Intent:
        """The intent of the customer's words so far (``said``, oldest first, read as one text)."""
        return self.classifier().predict(" ".join(s.strip() for s in said))
