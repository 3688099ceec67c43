"""What the panel reads beside the stream: an article's body when the agent opens it, and plain words for ids."""

from __future__ import annotations

from models.knowledge import KnowledgeBase
from models.knowledge.base import DEFAULT_ARTICLES


def shipped_article_id() -> str:
    return KnowledgeBase.from_folders(DEFAULT_ARTICLES).articles[0].id


async def test_an_agent_reads_an_articles_body(client, auth):
    article_id = shipped_article_id()
    response = await client.get(f"/v1/knowledge/articles/{article_id}", headers=auth("A1", "agent"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == article_id
    assert body["title"] and len(body["body"]) > 40


async def test_an_unknown_article_is_a_problem_404(client, auth):
    response = await client.get("/v1/knowledge/articles/KB-nope", headers=auth("A1", "agent"))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "unknown_article"


async def test_reading_an_article_needs_a_token(client):
    response = await client.get(f"/v1/knowledge/articles/{shipped_article_id()}")
    assert response.status_code == 401


async def test_words_give_the_catalog_title_of_an_action_and_the_label_of_a_checklist_item(client, auth):
    words = (await client.get("/v1/words", headers=auth("A1", "agent"))).json()
    assert words["actions"]["offer_refund_small"] == "Offer a small refund"
    assert words["checklist"]["verify_identity"] == "Verify identity"
