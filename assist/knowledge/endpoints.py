"""HTTP for the side panel's reading: a search over the knowledge base, an article's body, and the words to
show instead of catalog ids.

Prompts name their articles by id and title only (a body is several KB and most are never opened), so the
panel fetches a body when the agent opens it. Guidance texts still carry raw ids in places ("[offer_refund_small]",
"'billing_dispute' touches the account"); the panel turns them into the catalog's titles with ``/v1/words``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from assist.auth.principal import PEOPLE_ROLES, Principal
from assist.dependencies import require_roles
from assist.errors import InvalidInput, NotFound
from models.catalog import load_catalog
from models.checklists import load_checklists
from models.knowledge import KnowledgeBase

router = APIRouter(prefix="/v1", tags=["knowledge"])

ReaderDep = Annotated[Principal, Depends(require_roles(*PEOPLE_ROLES))]


class ArticleBody(BaseModel):
    id: str
    title: str
    body: str
    """Markdown, as written; the panel shows it as text (never as markup)."""
    reasons: list[str]


class SearchHit(BaseModel):
    id: str
    title: str
    score: float
    matched_terms: list[str]
    """Why it was found: the words of the search it shares, strongest first."""
    for_reason: bool
    """Written for the contact reason given with the search (which ranks it higher)."""


class SearchResults(BaseModel):
    query: str
    terms: list[str]
    """The words the search looked for (common words such as "the" are not searched)."""
    results: list[SearchHit]


class Words(BaseModel):
    """Plain words for the ids that guidance, journeys and the simulator write into text."""

    actions: dict[str, str]
    """Catalog action id -> its title ("offer_refund_small" -> "Offer a small refund")."""
    checklist: dict[str, str]
    """Checklist item id -> its label."""


def get_knowledge(request: Request) -> KnowledgeBase:
    return request.app.state.guidance.knowledge  # type: ignore[no-any-return]


@router.get("/knowledge/search", response_model=SearchResults,
            summary="Search the knowledge base the prompts draw from, with why each article matched")
async def search_articles(
        _: ReaderDep, knowledge: Annotated[KnowledgeBase, Depends(get_knowledge)],
        q: Annotated[str, Query(min_length=1, max_length=200, description="the words to look for")],
        reason: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_]+$",
                                            description="the contact reason: its articles rank higher")] = None,
        limit: Annotated[int, Query(ge=1, le=20)] = 5) -> SearchResults:
    """Only articles sharing a word with the search are returned: the reason ranks, it never finds alone."""
    if not q.strip():
        raise InvalidInput("type some words to search for", code="empty_query")
    terms = list(dict.fromkeys(knowledge.analyze(q)))
    hits = [h for h in knowledge.search(q, reason, k=len(knowledge.articles)) if h.matched_terms][:limit]
    written_for = {a.id: a.reasons for a in knowledge.articles}
    return SearchResults(query=q, terms=terms, results=[
        SearchHit(id=h.id, title=h.title, score=h.score, matched_terms=list(h.matched_terms),
                  for_reason=reason is not None and reason in written_for.get(h.id, ())) for h in hits])


@router.get("/knowledge/articles/{article_id}", response_model=ArticleBody,
            summary="A knowledge article's body, to read in the panel")
async def read_article(article_id: Annotated[str, Path(max_length=128)], _: ReaderDep,
                       knowledge: Annotated[KnowledgeBase, Depends(get_knowledge)]) -> ArticleBody:
    article = next((a for a in knowledge.articles if a.id == article_id), None)
    if article is None:
        raise NotFound(f"no knowledge article {article_id!r}", code="unknown_article")
    return ArticleBody(id=article.id, title=article.title, body=article.body, reasons=list(article.reasons))


@lru_cache(maxsize=1)
def _words() -> Words:
    checklists = load_checklists()
    return Words(actions={a.id: a.title for a in load_catalog().actions},
                 checklist={k: v.label for k, v in checklists.items.items()})


@router.get("/words", response_model=Words, summary="Plain words for catalog ids the panel may meet in text")
async def words(_: ReaderDep) -> Words:
    return _words()
