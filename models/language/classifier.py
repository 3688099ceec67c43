"""A calibrated text classifier over labelled customer lines: the machinery intent and temperament share.

TF-IDF over words (1-2 grams) and characters (3-5 grams, robust to typos), optionally a few dense numbers
per text (``TextClassifier.dense``: temperament adds the sentiment score), feeding a linear SVM whose scores
are calibrated into probabilities by cross-validated sigmoid scaling, so that "confidence 0.8" means about 8
in 10 such lines are right: the service only acts on a label above a threshold. Labelled lines are a
``text,<label>`` CSV (``read_labelled``). Each task (``models.language.intent``, ``.temperament``) names its
label column and subclasses ``TextClassifier`` for its own prediction type.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

__all__ = ["BELOW_THRESHOLD", "LABEL", "MAX_TEXT", "MIN_PER_LABEL", "Labelled", "TextClassifier", "TrainedOnce",
           "cross_validated", "read_labelled"]

LABEL = re.compile(r"[a-z][a-z0-9_]{0,63}")
MIN_PER_LABEL = 5
"""Fewer lines than this per label cannot be cross-validated for calibration, nor learned from."""
MAX_TEXT = 2000
BELOW_THRESHOLD = "unknown"
"""The confusion matrix's column for lines whose best label fell below the threshold (nothing adopted)."""


@dataclass(frozen=True)
class Labelled:
    texts: list[str]
    labels: list[str]

    @property
    def intents(self) -> list[str]:
        """The labels under the name intent detection's callers use."""
        return self.labels

    def __add__(self, other: Labelled) -> Labelled:
        return Labelled(self.texts + other.texts, self.labels + other.labels)


def read_labelled(path: Path | str, column: str, example: str) -> Labelled:
    """The ``text,<column>`` rows of the CSV at ``path``.

    Raises ValueError naming the first bad line: missing columns, an empty or over-long text, a label that
    is not a lowercase id (like ``example``), or a label with fewer than ``MIN_PER_LABEL`` lines.
    """
    texts: list[str] = []
    labels: list[str] = []
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"text", column} <= set(reader.fieldnames):
            raise ValueError(f"{path}: the header must name the columns 'text' and '{column}'")
        for line, row in enumerate(reader, start=2):
            text, label = (row.get("text") or "").strip(), (row.get(column) or "").strip()
            if not text or len(text) > MAX_TEXT:
                raise ValueError(f"{path}:{line}: the text must have 1 to {MAX_TEXT} characters")
            if not LABEL.fullmatch(label):
                raise ValueError(f"{path}:{line}: {column} {label!r} is not a lowercase id like '{example}'")
            texts.append(text)
            labels.append(label)
    counts = {i: labels.count(i) for i in set(labels)}
    if few := sorted(i for i, n in counts.items() if n < MIN_PER_LABEL):
        raise ValueError(f"{path}: {column}s with fewer than {MIN_PER_LABEL} lines: {', '.join(few)}")
    return Labelled(texts, labels)


Self = TypeVar("Self", bound="TextClassifier")


class TextClassifier:
    """A trained classifier: ``best`` gives the most likely label and its calibrated probability.

    ``best`` runs on the event path, so it computes what scikit-learn's ``predict_proba`` does (the tf-idf
    vectors, the SVM's decision, each class's sigmoid, normalised) straight from the fitted arrays:
    scikit-learn's input validation around a one-line call cost 10-20 ms, the arithmetic well under one
    (``probabilities`` keeps scikit-learn's own path; a test holds the two equal)."""

    NOUN = "label"
    """What one label is called in messages ("at least two intents ...")."""

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

    @staticmethod
    def dense(text: str) -> list[float]:
        """Numbers read from ``text`` besides its words, appended to the tf-idf columns (none by default)."""
        return []

    def features(self, texts: Sequence[str]) -> csr_matrix:
        return self._features(self.vectorizers, texts, fit=False)

    @classmethod
    def _features(cls, vectorizers: tuple[TfidfVectorizer, ...], texts: Sequence[str], fit: bool) -> csr_matrix:
        blocks = [v.fit_transform(texts) if fit else v.transform(texts) for v in vectorizers]
        extra = np.array([cls.dense(t) for t in texts], dtype=np.float64).reshape(len(texts), -1)
        if extra.shape[1]:
            blocks.append(csr_matrix(extra))
        return csr_matrix(hstack(blocks))

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
        if extra := self.dense(text):
            decision += self._coef[:, int(self._offsets[-1]):] @ np.asarray(extra, dtype=np.float64)
        row = 1.0 / (1.0 + np.exp(self._a * decision + self._b))
        total = row.sum()
        return row / total if total > 0 else np.full(len(row), 1.0 / len(row))

    @classmethod
    def train(cls: type[Self], data: Labelled) -> Self:
        """Fit on ``data`` (deterministic: liblinear with a fixed seed, stratified folds). Raises ValueError
        with fewer than two labels (nothing to tell apart)."""
        if len(set(data.labels)) < 2:
            raise ValueError(f"at least two {cls.NOUN}s are needed to tell them apart")
        vectorizers = (TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                       TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2))
        features = cls._features(vectorizers, data.texts, fit=True)
        folds = min(5, min(data.labels.count(i) for i in set(data.labels)))
        model = CalibratedClassifierCV(LinearSVC(C=0.5, random_state=0), method="sigmoid", cv=folds,
                                       ensemble=False)
        return cls(vectorizers, model.fit(features, data.labels))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per ``labels`` entry."""
        return np.asarray(self.model.predict_proba(self.features(list(texts))))

    def row(self, text: str) -> np.ndarray:
        """The calibrated probability of each ``labels`` entry for ``text`` (the event path's arithmetic)."""
        return self._row(text)

    def best(self, text: str) -> tuple[str, float]:
        """The most likely label of ``text`` and its calibrated probability (rounded to 4 places)."""
        row = self._row(text)
        index = int(row.argmax())
        return self.labels[index], round(float(row[index]), 4)

    def accuracy(self, data: Labelled, threshold: float = 0.0) -> tuple[float, float]:
        """(accuracy, coverage) on ``data`` counting only predictions at or above ``threshold`` (coverage is
        the share of lines that reach it)."""
        rows = self.probabilities(data.texts)
        predicted = np.asarray(self.labels)[rows.argmax(axis=1)]
        kept = rows.max(axis=1) >= threshold
        if not kept.any():
            return 0.0, 0.0
        right = predicted[kept] == np.asarray(data.labels)[kept]
        return float(right.mean()), float(kept.mean())

    def confusion(self, data: Labelled, threshold: float = 0.0) -> dict[str, dict[str, int]]:
        """Counts of predicted label per true label on ``data``: ``confusion[true][predicted]``, a prediction
        below ``threshold`` counted under ``BELOW_THRESHOLD``. Every label and that column appear."""
        rows = self.probabilities(data.texts)
        predicted = np.where(rows.max(axis=1) >= threshold, np.asarray(self.labels)[rows.argmax(axis=1)],
                             BELOW_THRESHOLD)
        table = {t: {p: 0 for p in (*self.labels, BELOW_THRESHOLD)} for t in self.labels}
        for truth, guess in zip(data.labels, predicted, strict=True):
            table.setdefault(truth, {p: 0 for p in (*self.labels, BELOW_THRESHOLD)})[str(guess)] += 1
        return table


C = TypeVar("C", bound=TextClassifier)


class TrainedOnce:
    """Classifiers trained on sets of files ((path, mtime) pairs), trained once per process and per version
    of those files: every service in the process shares one, and a re-imported file is picked up."""

    def __init__(self) -> None:
        self.trained: dict[tuple[tuple[str, int], ...], TextClassifier] = {}
        self._lock = threading.Lock()
        self._warming: set[tuple[tuple[str, int], ...]] = set()

    def get(self, files: tuple[tuple[str, int], ...], read: Callable[[str], Labelled],
            train: Callable[[Labelled], C]) -> C:
        with self._lock:
            if files not in self.trained:
                data = Labelled([], [])
                for path, _ in files:
                    data = data + read(path)
                if len(self.trained) >= 4:  # an older version of a re-imported file is not used again
                    self.trained.pop(next(iter(self.trained)))
                self.trained[files] = train(data)
            return self.trained[files]  # type: ignore[return-value]  # one cache per classifier type

    def ready(self, files: tuple[tuple[str, int], ...], read: Callable[[str], Labelled],
              train: Callable[[Labelled], C]) -> C | None:
        """The classifier for ``files`` if it is trained; else None, having started its training in a daemon
        thread (once): for an event path that must not wait seconds on a loaded host for the first guess."""
        found = self.trained.get(files)
        if found is not None:
            return found  # type: ignore[return-value]
        with self._lock:
            if files in self._warming:
                return None
            self._warming.add(files)

        def warm() -> None:
            try:
                self.get(files, read, train)
            finally:
                with self._lock:
                    self._warming.discard(files)

        threading.Thread(target=warm, name="classifier-warm-up", daemon=True).start()
        return None


def cross_validated(extra: Labelled, base: Labelled, train: Callable[[Labelled], TextClassifier],
                    folds: int = 5) -> float:
    """Accuracy on each of ``folds`` stratified parts of ``extra`` of a classifier trained on ``base`` and
    the other parts: how well a center's own lines are learned, measured on lines it did not train on."""
    labels = np.asarray(extra.labels)
    folds = max(2, min(folds, min(int((labels == i).sum()) for i in set(extra.labels))))
    right = 0
    for part_rows, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(extra.texts, labels):
        part = Labelled([extra.texts[i] for i in part_rows], [extra.labels[i] for i in part_rows])
        held = Labelled([extra.texts[i] for i in test], [extra.labels[i] for i in test])
        accuracy, _ = train(base + part).accuracy(held)
        right += round(accuracy * len(test))
    return right / len(extra.texts)
