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


async def test_a_search_finds_articles_by_their_words_and_says_which_words_matched(client, auth):
    response = await client.get("/v1/knowledge/search", params={"q": "refund card how long"},
                                headers=auth("A1", "agent"))
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["terms"] == ["refund", "card", "long"]   # "how" is too common to search for
    assert found["results"] and all(set(hit["matched_terms"]) <= {"refund", "card", "long"}
                                    for hit in found["results"])
    assert "refund" in found["results"][0]["matched_terms"]


async def test_a_search_with_the_contact_reason_ranks_its_articles_first_and_marks_them(client, auth):
    found = (await client.get("/v1/knowledge/search", params={"q": "charge account", "reason": "billing_dispute"},
                              headers=auth("A1", "agent"))).json()
    assert found["results"][0]["for_reason"] is True


async def test_a_search_with_no_known_word_finds_nothing_even_with_a_reason(client, auth):
    found = (await client.get("/v1/knowledge/search", params={"q": "zyxwv qqq", "reason": "refund"},
                              headers=auth("A1", "agent"))).json()
    assert found["results"] == []


async def test_a_blank_search_is_a_problem_422(client, auth):
    response = await client.get("/v1/knowledge/search", params={"q": "   "}, headers=auth("A1", "agent"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "empty_query"


async def test_a_search_without_words_too_long_or_with_a_bad_reason_or_limit_is_a_problem_422(client, auth):
    for params in ({}, {"q": "x" * 201}, {"q": "refund", "reason": "Not A Reason"}, {"q": "refund", "limit": 0},
                   {"q": "refund", "limit": 21}):
        response = await client.get("/v1/knowledge/search", params=params, headers=auth("A1", "agent"))
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_searching_needs_a_token(client):
    assert (await client.get("/v1/knowledge/search", params={"q": "refund"})).status_code == 401
