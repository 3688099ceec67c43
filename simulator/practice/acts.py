"""What a trainee's words do, clause by clause: a classifier of dialogue acts trained on lines we wrote.

Keyword patterns could not see paraphrases ("leave that one with me" is ownership without the word
"sort") and could be gamed by stringing trigger words together. Here an utterance is cut into clauses
(sentences, and comma-separated parts of them) and each clause gets one act from a scikit-learn model
(word and character n-gram TF-IDF, a linear SVM) trained on ``data/turn_acts_train.tsv``: several
hundred hand-written agent lines per act, none taken from the customer templates. ``data/
turn_acts_heldout.tsv`` is written separately and only measures accuracy.

The model is trained once per process on first use (well under a second on this box; bench/
practice_acts.py prints the figure) and is deterministic, so a replay classifies every turn the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

__all__ = ["DATA_DIR", "HELDOUT_FILE", "TRAIN_FILE", "Act", "ActClassifier", "ClauseAct", "classifier",
           "classify_clauses", "load_examples", "segment"]

DATA_DIR = Path(__file__).parent / "data"
TRAIN_FILE = DATA_DIR / "turn_acts_train.tsv"
HELDOUT_FILE = DATA_DIR / "turn_acts_heldout.tsv"
MIN_MARGIN = -0.35
"""Below this decision value for its best act a clause counts as ``other``: the model is guessing."""


class Act(StrEnum):
    """What one clause of a trainee's turn does for the customer."""

    ACKNOWLEDGEMENT = "acknowledgement"
    APOLOGY = "apology"
    OWNERSHIP = "ownership"
    EXPLANATION = "explanation"
    QUESTION = "question"
    PROMISE = "promise"
    BLAME = "blame"
    DISMISSAL = "dismissal"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class ClauseAct:
    """One clause of an utterance, the act it was classified as, and the model's margin for it (above 0:
    sure; near or below 0: a guess)."""

    text: str
    act: Act
    confidence: float


def load_examples(path: Path) -> list[tuple[str, Act]]:
    """The ``act<TAB>text`` lines of ``path``; raises ValueError naming a line with an unknown act."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition("\t")
        try:
            examples.append((text.strip(), Act(label.strip())))
        except ValueError:
            raise ValueError(f"{path.name}:{number}: unknown act {label!r}") from None
    return examples


_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
_CLAUSE = re.compile(r",\s+(?=(?:and |but |so |because )?(?:i|i'm|i'll|i've|i'd|we|we'll|we're|you|you'll|"
                     r"you're|you've|it|it's|that|that's|this|there|the|your|our|my|please|let)\b)",
                     re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9']+")
_BLAMES_SOMEONE = re.compile(r"\b(?:you|your|you're|you've|you'd|you'll|yourself)\b|\bnot (?:our|my|the company's) "
                             r"(?:fault|problem|responsibility)", re.IGNORECASE)
_SUBORDINATE = re.compile(r"^(?:once|if|when|after|as soon as|because|while|until)\b", re.IGNORECASE)


def segment(text: str) -> list[str]:
    """The clauses of ``text``: sentences, split again at a comma that starts a new clause.

    A fragment of one word ("Okay,", "Right,") or a subordinate clause ("Once that's done,") is kept with
    what follows, so "Okay, I'll book it" is one clause and "Sorry, I understand, I'll take care of it" is
    three.
    """
    clauses: list[str] = []
    for sentence in _SENTENCE.split(text.strip()):
        carry = ""
        for part in _CLAUSE.split(sentence):
            part = f"{carry}, {part.strip()}" if carry else part.strip()
            if len(_WORD.findall(part)) < 2 or _SUBORDINATE.match(part):
                carry = part
                continue
            clauses.append(part)
            carry = ""
        if carry:
            clauses.append(carry)
    return [c for c in clauses if _WORD.search(c)]


class ActClassifier:
    """A fitted model: ``predict`` gives each clause its act and confidence."""

    def __init__(self, examples: Iterable[tuple[str, Act]]) -> None:
        # scikit-learn is imported here, not at module load: the app imports the practice core at start-up
        # and only needs the model at a trainee's first utterance.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion, Pipeline
        from sklearn.svm import LinearSVC

        texts, labels = zip(*examples, strict=True)
        features = FeatureUnion([
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True,
                                      token_pattern=r"[a-z0-9']+")),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2))])
        self._model = Pipeline([("features", features), ("model", LinearSVC(C=1.0, random_state=0))])
        self._model.fit(list(texts), [label.value for label in labels])
        self._classes = [Act(c) for c in self._model.classes_]

    def predict(self, clauses: list[str]) -> list[ClauseAct]:
        """One ``ClauseAct`` per clause, in order; a clause the model is unsure of is ``other``, and so is
        "blame" that neither names the customer nor denies fault ("that's on us" blames no one)."""
        if not clauses:
            return []
        result = []
        for clause, margins in zip(clauses, self._model.decision_function(clauses), strict=True):
            best = int(margins.argmax())
            confidence = float(margins[best])
            act = self._classes[best] if confidence >= MIN_MARGIN else Act.OTHER
            if act is Act.BLAME and not _BLAMES_SOMEONE.search(clause):
                act = Act.OTHER
            result.append(ClauseAct(clause, act, round(confidence, 4)))
        return result

    def accuracy(self, examples: list[tuple[str, Act]]) -> float:
        """The share of ``examples`` (whole lines, not segmented) given their labelled act."""
        predicted = self.predict([text for text, _ in examples])
        return sum(p.act == label for p, (_, label) in zip(predicted, examples, strict=True)) / len(examples)


@lru_cache(maxsize=1)
def classifier() -> ActClassifier:
    """The shared classifier, trained from the shipped data on first use."""
    return ActClassifier(load_examples(TRAIN_FILE))


@lru_cache(maxsize=4096)
def classify_clauses(text: str) -> tuple[ClauseAct, ...]:
    """The acts of ``text``'s clauses, in order (cached: a replay classifies the same turns again)."""
    return tuple(classifier().predict(segment(text)))
