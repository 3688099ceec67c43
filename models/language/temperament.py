"""How the customer is, from their words: calm, anxious, angry or analytical (issue 19).

The world's outcomes depend on temperament (angry customers need the apology, analytical ones the article,
anxious ones the callback) but the live service knows it only when a CRM event sends it. Customers say it
anyway: angry ones complain ("third time", "ridiculous"), anxious ones worry ("what if", "I'm scared"),
analytical ones ask for exact figures and how things work, calm ones just ask. Many lines show none of it: a
greeting, an account number, a "yes" (``NO_CUE``, a fifth label learned so that such a line stays unknown
rather than reading as calm). The classifier is the shared calibrated text classifier
(``models.language.classifier``, as intent detection) over ``temperaments.csv``, with generic cues as more inputs
(``cues``: the customer's sentiment, shouting, exclamation and question marks, figures, worry, grievance,
precision and courtesy words, length): held-out accuracy 0.937 on 205 lines of which 60 have no cue (0.902 with
the sentiment alone and 152 fewer training lines). ``bench/temperament_reader.py`` measures it.

Served only when confident (``TemperamentDetector.threshold``, the ``ASSIST_TEMPERAMENT_THRESHOLD`` setting),
else unknown. Training as served cannot read words (history has none), so ``detection_matrix`` gives the
held-out confusion matrix at that threshold, no-cue lines mixed in at ``NO_CUE_SHARE``, and
``models.context.served_history`` draws each row's detected
temperament from it: the model learns on detection with its measured errors, never on the truth.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from models.language.classifier import BELOW_THRESHOLD, Labelled, TextClassifier, TrainedOnce, read_labelled
from models.language.sentiment import sentiment

__all__ = ["BUILT_IN", "DEFAULT_THRESHOLD", "HELD_OUT", "NO_CUE", "NO_CUE_SHARE", "PRIOR_COUNT", "TEMPERAMENTS",
           "UNKNOWN", "Temperament", "TemperamentClassifier", "TemperamentDetector", "cues", "detection_matrix",
           "detection_report", "draw_detected", "read_temperaments"]

HERE = Path(__file__).resolve().parent
BUILT_IN = HERE / "temperaments.csv"
"""Customer lines written for each temperament, across the contact reasons and the three channels' styles."""
HELD_OUT = HERE / "temperaments_heldout.csv"
"""Paraphrases written apart from ``BUILT_IN``, only to measure accuracy (and the confusion training draws from)."""
TEMPERAMENTS: tuple[str, ...] = ("calm", "anxious", "angry", "analytical")
"""The world's temperaments (``simulator.world.catalog.TEMPERAMENTS``; ``models`` does not import it)."""
NO_CUE = "neutral"
"""The label of lines that say nothing of how the customer is: greetings ("hello, I have a question"), bare facts
("my order number is 12345"), answers ("yes", "that's right"). Any temperament says them, so they are evidence
of none: a separate label the classifier learns (trained as "calm", "hello" read as calm at 0.95), never served
(the served context keeps temperament unknown)."""
UNKNOWN = BELOW_THRESHOLD
"""What the served context says when nothing was detected confidently (the model's unknown category)."""
DEFAULT_THRESHOLD = 0.6
"""Held out (205 lines, 60 with no cue): 0.974 accuracy on the 93 % of lines that reach it (0.937 on all lines;
0.5: 0.955 on 98 %; 0.7: 0.983 on 87 %). The best of 0.5, 0.6 and 0.7 for the as-served value on worlds 7 and 11
(``bench/serving_skew.py --thresholds``)."""


@dataclass(frozen=True)
class Temperament:
    temperament: str
    confidence: float
    turns: int
    """Customer turns read."""


def read_temperaments(path: Path | str) -> Labelled:
    """The ``text,temperament`` rows of the CSV at ``path`` (raises ValueError naming the first bad line)."""
    return read_labelled(path, "temperament", "calm")


_WORD = re.compile(r"[A-Za-z']+")
_FIGURE = re.compile(r"\d+(?:[.,:/]\d+)*%?")
_CUES: dict[str, re.Pattern[str]] = {
    "worry": re.compile(r"\b(?:worr\w*|scared|afraid|frighten\w*|nervous|panic\w*|stress\w*|anxious|terrified|"
                        r"what if|what happens if|in case|hope|hoping|upset|desperate\w*|can't afford|"
                        r"don't know what to do|not sure what|sleep|urgent\w*|sorry to|sorry for|will i|am i going)\b",
                        re.I),
    "grievance": re.compile(r"\b(?:again|still|yet another|(?:second|third|fourth|fifth|tenth) time|every time|"
                            r"keep|kept|always|never|nobody|no one|ridiculous|unacceptable|disgrac\w*|joke|useless|"
                            r"incompetent|pathetic|rubbish|shambles|fed up|sick of|furious|livid|fuming|seriously|"
                            r"manager|escalat\w*|complain\w*|demand\w*|immediately|right now|how many times|"
                            r"waste|wasted|absolutely|rip-?off|scam|useless|had enough|enough)\b", re.I),
    "precision": re.compile(r"\b(?:exact\w*|precise\w*|specific\w*|breakdown|break down|itemi[sz]\w*|calculat\w*|"
                            r"per|rate|percent\w*|clause|section|terms|reference|formula|method\w*|"
                            r"how (?:does|do|is|are|was|were) \w+|why (?:does|do|is|was|were)|explain|"
                            r"difference between|compare|comparison|figures?|numbers|data|log|logs|spec\w*|"
                            r"documentation|timestamp\w*|version|pro-?rata|pro rata|in writing)\b", re.I),
    "ease": re.compile(r"\b(?:please|thanks|thank you|cheers|no problem|no worries|no rush|when you can|"
                       r"whenever|that's fine|that's ok|happy to|would it be possible|could you|could i|"
                       r"i'd like|just wondering|wondered|quick question|appreciate)\b", re.I),
}
"""Generic cues of temperament, the kinds of words any center's customers use (not its products): worry and
hedging (anxious), repetition and grievance (angry), precision and mechanism (analytical), ease and courtesy
(calm). Counted, not matched word by word: the tf-idf columns learn the words of the training lines, these
carry a cue to a line whose own words the training lines never used."""


def cues(text: str) -> list[float]:
    """Numbers read from ``text`` besides its words, each in [-1, 1]: the VADER sentiment, then shouting (the
    share of words of two or more letters in capitals), exclamation and question marks, figures (amounts,
    dates, references), the ``_CUES`` counts, and length (a long careful line reads unlike a short snap)."""
    words = _WORD.findall(text)
    long_words = [w for w in words if len(w) > 1]
    shouting = sum(w.isupper() for w in long_words) / len(long_words) if long_words else 0.0
    counted = [min(len(pattern.findall(text)), 3) / 3 for pattern in _CUES.values()]
    return [sentiment(text), shouting, min(text.count("!"), 3) / 3, min(text.count("?"), 3) / 3,
            min(len(_FIGURE.findall(text)), 3) / 3, *counted, min(len(words), 40) / 40]


class TemperamentClassifier(TextClassifier):
    """The shared text classifier over temperaments, with the generic cues (``cues``) as extra inputs."""

    NOUN = "temperament"

    @staticmethod
    def dense(text: str) -> list[float]:
        return cues(text)


_CACHE = TrainedOnce()
HEARD_MEMO = 4096
"""Readings ``detect`` keeps (least recently used dropped): one event asks for the same words twice (guidance's
context and the panel's journey card), and an event that adds no customer words asks again for the last ones.
The classifier's reading of each single line is kept too (as many): a new customer turn then costs the reading of
that line alone, not of every turn read again."""
FILES_CHECK_SECONDS = 1.0
"""How long the sources' versions (path, mtime) are taken as read: each ``detect`` checked them with two system
calls per source, four per live event (its context and its journey card), for files that change only when the
package is upgraded."""


class TemperamentDetector:
    """The service's classifier, trained on first use from ``sources`` (thread-safe; nothing at import).

    ``detect`` reads the customer's turns so far, each as a line, and combines them; the served context takes
    its temperament only at or above ``threshold``."""

    def __init__(self, sources: Iterable[Path] = (BUILT_IN,), threshold: float = DEFAULT_THRESHOLD) -> None:
        self.sources = tuple(sources)
        self.threshold = threshold
        self._heard: OrderedDict[tuple[TemperamentClassifier, tuple[str, ...]], Temperament | None] = OrderedDict()
        self._lines: OrderedDict[tuple[TemperamentClassifier, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._checked: tuple[float, tuple[tuple[str, int], ...]] = (-FILES_CHECK_SECONDS, ())

    def _files(self) -> tuple[tuple[str, int], ...]:
        """The sources' versions, looked at again once ``FILES_CHECK_SECONDS`` passed since the last look."""
        now = time.monotonic()
        checked_at, files = self._checked
        if now - checked_at >= FILES_CHECK_SECONDS:
            files = tuple((str(s), s.stat().st_mtime_ns) for s in self.sources if s.exists())
            self._checked = (now, files)
        return files

    def classifier(self) -> TemperamentClassifier:
        """The trained classifier (trains it now on first use: call it to warm up)."""
        return _CACHE.get(self._files(), read_temperaments, TemperamentClassifier.train)

    def detect(self, said: Sequence[str], wait: bool = True) -> Temperament | None:
        """The temperament of the customer's words so far (``said``, oldest first: each turn read alone, the
        reads of the turns that show a cue combined by their geometric mean); None
        when they said nothing yet or nothing that shows a temperament (``NO_CUE`` is the likeliest label: no
        cue, no guess), or when ``wait`` is false and the classifier is still training (its training is then
        started in the background: the event path never waits for it)."""
        lines = [s.strip() for s in said if s.strip()]
        if not lines:
            return None
        classifier = (self.classifier() if wait else
                      _CACHE.ready(self._files(), read_temperaments, TemperamentClassifier.train))
        if classifier is None:
            return None
        key = (classifier, tuple(said))
        with self._lock:
            if key in self._heard:
                self._heard.move_to_end(key)
                return self._heard[key]
        found = self._read(lambda line: self._row(classifier, line), lines, len(said), classifier.labels)
        with self._lock:
            self._heard[key] = found
            if len(self._heard) > HEARD_MEMO:
                self._heard.popitem(last=False)
        return found

    def _row(self, classifier: TemperamentClassifier, text: str) -> np.ndarray:
        """``classifier.row(text)``, kept (a pure function of the text)."""
        key = (classifier, text)
        with self._lock:
            if key in self._lines:
                self._lines.move_to_end(key)
                return self._lines[key]
        found = classifier.row(text)
        with self._lock:
            self._lines[key] = found
            if len(self._lines) > HEARD_MEMO:
                self._lines.popitem(last=False)
        return found

    @staticmethod
    def _read(row: Callable[[str], np.ndarray], lines: list[str], turns: int,
              labels: Sequence[str]) -> Temperament | None:
        """``detect``'s reading of the non-blank ``lines`` of ``turns`` turns with ``row``, the classifier's
        probabilities of ``labels`` for one line (a pure function of them)."""
        rows = np.array([row(line) for line in lines])
        no_cue = list(labels).index(NO_CUE)
        # a turn that shows nothing ("yes", an account number) would only dilute the ones that do
        shown = rows[rows.argmax(axis=1) != no_cue] if len(lines) > 1 else rows
        if not len(shown):
            return None
        # each turn is read as the line the classifier learned on, and the turns' reads are combined by their
        # geometric mean: turns that agree stay as sure as each is (a product would count one mood said
        # three ways as three independent proofs); one that disagrees lowers the confidence
        mean = np.exp(np.log(np.clip(shown, 1e-12, 1.0)).mean(axis=0))
        mean /= mean.sum()
        index = int(mean.argmax())
        if index == no_cue:
            return None
        return Temperament(labels[index], round(float(mean[index]), 4), turns)

    def confident(self, found: Temperament | None) -> str | None:
        """The temperament the served context takes: the detected one at or above ``threshold``, else None."""
        if found is None or found.temperament == NO_CUE or found.confidence < self.threshold:
            return None
        return found.temperament


PRIOR_COUNT = 0.5
"""Pseudo-lines added to every cell of the held-out confusion before it is read as probabilities: 30 lines per
temperament that showed no calm-read-as-angry do not prove it never happens (Jeffreys' prior; with 0.5 an
unseen confusion is drawn about 1.5 % of the time instead of never)."""
NO_CUE_SHARE = 0.3
"""The share of contacts whose customer words, when guidance reads them, show no temperament (a greeting, an
account number, a "yes"): an assumption, not a measurement (the world writes no words), set so the as-served
figures are not optimistic. The held-out set's own mix is 60 no-cue lines in 205 (29 %)."""


def _served(row: dict[str, int]) -> dict[str, float]:
    """A confusion row by what the service serves: a ``NO_CUE`` prediction is served as ``UNKNOWN``."""
    out = {served: float(row.get(served, 0)) for served in (*TEMPERAMENTS, UNKNOWN)}
    out[UNKNOWN] += row.get(NO_CUE, 0)
    return out


@cache
def detection_matrix(threshold: float = DEFAULT_THRESHOLD, prior: float = PRIOR_COUNT,
                     no_cue_share: float | None = None) -> dict[str, dict[str, float]]:
    """P(served temperament | true temperament) measured on the held-out lines at ``threshold``:
    ``matrix[true][served]``, served being a temperament or ``UNKNOWN`` (below the threshold, or no cue); rows
    sum to 1.

    A no-cue line could come from any temperament, so each temperament's row mixes its own held-out lines with
    the held-out ``NO_CUE`` lines, weighted to ``no_cue_share`` of the row; then each cell gets ``prior``
    pseudo-lines (``PRIOR_COUNT``). ``no_cue_share`` None reads the module's ``NO_CUE_SHARE`` (an assumption:
    ``bench/serving_skew.py --no-cue-share`` sets it to show what it is worth). Trains the built-in classifier
    (seconds on a loaded host) once per process; computed once per threshold."""
    if no_cue_share is None:
        no_cue_share = NO_CUE_SHARE
    counts = TemperamentDetector().classifier().confusion(read_temperaments(HELD_OUT), threshold)
    no_cue = _served(counts.get(NO_CUE, {}))
    lines = sum(no_cue.values())
    matrix: dict[str, dict[str, float]] = {}
    for truth in TEMPERAMENTS:
        own = _served(counts.get(truth, {}))
        weight = no_cue_share / (1 - no_cue_share) * sum(own.values()) / lines if lines and no_cue_share else 0.0
        row = {served: own[served] + weight * no_cue[served] + prior for served in own}
        total = sum(row.values())
        matrix[truth] = {served: (n / total if total else float(served == UNKNOWN)) for served, n in row.items()}
    return matrix


def draw_detected(true: Sequence[str] | np.ndarray, uniform: np.ndarray,
                  threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """A served temperament per true one, drawn from ``detection_matrix(threshold)`` with the given uniform
    numbers in [0, 1) (one per row: the caller decides what makes a draw repeatable). A true temperament that
    is unknown or unlisted stays unknown: there is nothing to detect."""
    matrix = detection_matrix(threshold)
    served = np.array([*TEMPERAMENTS, UNKNOWN], dtype=object)
    true = np.asarray(true, dtype=object)
    out = np.full(len(true), UNKNOWN, dtype=object)
    for truth, row in matrix.items():
        rows = np.flatnonzero(true == truth)
        if len(rows):
            edges = np.cumsum([row[s] for s in served])
            out[rows] = served[np.minimum(np.searchsorted(edges, uniform[rows], side="right"), len(served) - 1)]
    return out


def detection_report(threshold: float = DEFAULT_THRESHOLD) -> str:
    """Held-out accuracy (all lines, and at ``threshold`` with its coverage), how many no-cue lines stay
    unknown, the per-line confusion at ``threshold`` and the served matrix training draws from
    (``detection_matrix``) as Markdown (``bench/serving_skew.py`` prints it;
    ``.venv/bin/python -c "from models.language.temperament import detection_report as r; print(r())"``)."""
    classifier, held = TemperamentDetector().classifier(), read_temperaments(HELD_OUT)
    overall, _ = classifier.accuracy(held)
    confident, coverage = classifier.accuracy(held, threshold)
    counts = classifier.confusion(held, threshold)
    served = (*TEMPERAMENTS, UNKNOWN)
    rows = {truth: _served(counts[truth]) for truth in (*TEMPERAMENTS, NO_CUE)}
    kept = rows[NO_CUE][UNKNOWN] / sum(rows[NO_CUE].values())
    matrix = detection_matrix(threshold)
    lines = [f"Temperament detection, {len(held.texts)} held-out lines ({held.labels.count(NO_CUE)} with no cue): "
             f"accuracy {overall:.3f}; at confidence >= {threshold:g}: {confident:.3f} on the {coverage:.0%} that "
             f"reach it; no-cue lines served unknown: {kept:.0%}.", "",
             "| true \\ served (lines) | " + " | ".join(served) + " |", "|---|" + "---:|" * len(served)]
    lines += [f"| {truth} | " + " | ".join(f"{rows[truth][s]:.0f}" for s in served) + " |"
              for truth in (*TEMPERAMENTS, NO_CUE)]
    lines += ["", f"Served matrix (no-cue share {NO_CUE_SHARE:.0%}, prior {PRIOR_COUNT:g}):", "",
              "| true \\ served | " + " | ".join(served) + " |", "|---|" + "---:|" * len(served)]
    lines += [f"| {truth} | " + " | ".join(f"{matrix[truth][s]:.3f}" for s in served) + " |" for truth in TEMPERAMENTS]
    return "\n".join(lines)
