"""A small knowledge base: Markdown articles with a front matter, searched with TF-IDF (scikit-learn).

An article file looks like::

    ---
    id: KB-refund-01
    title: Refund timelines by payment method
    reasons: refund, billing_dispute
    tags: refund how long card
    ---
    body in Markdown

The query is the latest customer and agent turns; articles written for the contact's reason get a fixed
boost, so a vague utterance still finds the right shelf. The explanation of a hit is the query terms it
shares with the article, strongest first.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["DEFAULT_ARTICLES", "Article", "ArticleHit", "KnowledgeBase", "import_folder", "parse_article"]

DEFAULT_ARTICLES = Path(__file__).with_name("articles")
REASON_BOOST = 0.15
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    body: str
    reasons: tuple[str, ...] = ()
    tags: str = ""


@dataclass(frozen=True, slots=True)
class ArticleHit:
    id: str
    title: str
    score: float
    matched_terms: tuple[str, ...]
    """The query terms the article shares, by weight: why it was suggested."""


def parse_article(text: str, fallback_id: str) -> Article:
    """One Markdown article; raises ValueError when it has no title (front matter or first heading)."""
    meta: dict[str, str] = {}
    body = text
    if match := _FRONT.match(text):
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip()
        body = text[match.end():]
    title = meta.get("title") or next((ln.lstrip("# ").strip() for ln in body.splitlines() if ln.startswith("#")), "")
    if not title:
        raise ValueError(f"article {fallback_id} has no title")
    reasons = tuple(r.strip() for r in meta.get("reasons", "").split(",") if r.strip())
    return Article(id=meta.get("id") or fallback_id, title=title, body=body.strip(), reasons=reasons,
                   tags=meta.get("tags", ""))


def _read_folder(folder: Path) -> list[Article]:
    return [parse_article(p.read_text(encoding="utf-8"), p.stem) for p in sorted(folder.glob("*.md"))]


def import_folder(source: str | Path, target: str | Path) -> int:
    """Copy every valid ``*.md`` article of ``source`` into ``target``; returns how many.

    Raises ValueError (naming the file) before copying anything if one article cannot be parsed.
    """
    source, target = Path(source), Path(target)
    files = sorted(source.glob("*.md"))
    for path in files:
        try:
            parse_article(path.read_text(encoding="utf-8"), path.stem)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path.name}: {exc}") from exc
    target.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy2(path, target / path.name)
    return len(files)


class KnowledgeBase:
    """Articles plus their TF-IDF index; ``search`` is read-only and safe to share between requests."""

    def __init__(self, articles: Iterable[Article]) -> None:
        self.articles = list(articles)
        if not self.articles:
            raise ValueError("a knowledge base needs at least one article")
        self.vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 1), min_df=1)
        docs = [f"{a.title} {a.title} {a.tags} {a.body}" for a in self.articles]
        self.matrix = self.vectorizer.fit_transform(docs).toarray()
        # What ``search`` needs, as plain Python objects: it runs on every live event with cold caches, where
        # each numpy scalar, the vectorizer's analyzer chain and a sort over every article cost as much as
        # the rest of the search together.
        self.terms = [str(t) for t in self.vectorizer.get_feature_names_out()]
        self._token = re.compile(self.vectorizer.token_pattern)
        self._stop_words = frozenset(self.vectorizer.get_stop_words() or ())
        self._vocabulary = {str(t): int(j) for t, j in self.vectorizer.vocabulary_.items()}
        self._idf = [float(w) for w in self.vectorizer.idf_]
        self._by_reason: dict[str, list[int]] = {}
        for i, article in enumerate(self.articles):
            for reason in set(article.reasons):
                self._by_reason.setdefault(reason, []).append(i)
        self._postings: dict[int, list[tuple[int, float]]] = {}
        """Term -> (article, weight) for the articles that have it: a query touches a handful of terms."""
        for i, j in zip(*np.nonzero(self.matrix), strict=True):
            self._postings.setdefault(int(j), []).append((int(i), float(self.matrix[i, j])))

    def analyze(self, text: str) -> list[str]:
        """The query's terms as the vectorizer sees them (lowercased, its token pattern, no stop words)."""
        stop = self._stop_words
        return [t for t in self._token.findall(text.lower()) if t not in stop]

    @classmethod
    def from_folders(cls, *folders: str | Path) -> KnowledgeBase:
        """Articles of every folder (default: the packaged ones); a later folder's id replaces an earlier one."""
        by_id: dict[str, Article] = {}
        for folder in folders or (DEFAULT_ARTICLES,):
            if Path(folder).is_dir():
                by_id.update({a.id: a for a in _read_folder(Path(folder))})
        return cls(by_id.values())

    def search(self, text: str, reason: str | None = None, k: int = 3) -> list[ArticleHit]:
        """The ``k`` best articles for ``text`` (and the contact ``reason``), best first; [] when nothing matches."""
        counts: dict[int, int] = {}
        for token in self.analyze(text or ""):
            if (j := self._vocabulary.get(token)) is not None:
                counts[j] = counts.get(j, 0) + 1
        # The vectorizer's own weighting (sublinear tf x idf, L2-normalised), without its per-call overhead.
        weights = {j: (1.0 + math.log(n)) * self._idf[j] for j, n in counts.items()}
        norm = max(math.sqrt(sum(w * w for w in weights.values())), 1e-12)
        sims: dict[int, float] = {}
        shared: dict[int, dict[int, float]] = {}
        for j, w in weights.items():
            for i, weight in self._postings.get(j, ()):
                part = weight * w / norm
                sims[i] = sims.get(i, 0.0) + part
                shared.setdefault(i, {})[j] = part
        for i in self._by_reason.get(reason or "", ()):
            sims[i] = sims.get(i, 0.0) + REASON_BOOST
        best = sorted((i for i, sim in sims.items() if sim > 0), key=lambda i: (-sims[i], i))[:k]
        hits = []
        for i in best:
            parts = sorted(shared.get(i, {}).items(), key=lambda item: -item[1])
            terms = tuple(self.terms[j] for j, part in parts[:5] if part > 0)
            hits.append(ArticleHit(self.articles[i].id, self.articles[i].title, round(sims[i], 4), terms))
        return hits
