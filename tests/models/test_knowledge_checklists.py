"""Knowledge suggestions (TF-IDF, matched terms as the why) and auto-ticked checklists."""

from __future__ import annotations

import pytest

from models.checklists import load_checklists
from models.knowledge import KnowledgeBase, import_folder
from models.knowledge.base import DEFAULT_ARTICLES


def test_the_package_ships_about_fifty_articles_covering_every_reason():
    kb = KnowledgeBase.from_folders()
    assert len(kb.articles) >= 48
    from simulator.world.catalog import REASONS

    assert {r for a in kb.articles for r in a.reasons} >= set(REASONS)


def test_search_finds_the_article_for_the_words_and_says_which_words_matched():
    hits = KnowledgeBase.from_folders().search("my internet is down, the router light is red", "outage")
    assert hits[0].title == "Broadband down: first checks"
    assert {"router", "internet"} <= set(hits[0].matched_terms)
    assert len(hits) == 3 and hits[0].score >= hits[1].score >= hits[2].score


def test_reason_alone_still_finds_articles_for_that_reason():
    hits = KnowledgeBase.from_folders().search("", "cancel")
    assert hits and all(h.id.startswith("KB-cancel") for h in hits) and hits[0].matched_terms == ()


@pytest.mark.parametrize("text, reason", [
    ("my internet is down, the router light is red", "outage"),
    ("This is ridiculous, I am furious! I want my money back", "refund"),
    ("Cancel CANCEL cancel the contract, I'm switching", None),
    ("émoji 🙂 and ünïcode words about a bill", "billing_dispute"),
])
def test_search_scores_as_the_vectorizer_does_plus_the_reason_boost(text, reason):
    kb = KnowledgeBase.from_folders()
    query = kb.vectorizer.transform([text]).toarray()[0]
    expected = kb.matrix @ query + [0.15 if reason in a.reasons else 0.0 for a in kb.articles]
    ranked = sorted((i for i in range(len(kb.articles)) if expected[i] > 0), key=lambda i: (-expected[i], i))[:3]
    hits = kb.search(text, reason)
    assert [h.id for h in hits] == [kb.articles[i].id for i in ranked]
    assert [h.score for h in hits] == pytest.approx([round(float(expected[i]), 4) for i in ranked], abs=1e-4)


def test_import_adds_articles_and_refuses_a_folder_with_a_broken_one(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    (source / "fax.md").write_text("---\nid: KB-fax\ntitle: Sending a fax\nreasons: technical_issue\n---\n"
                                   "Use the fax gateway.")
    assert import_folder(source, tmp_path / "kb") == 1
    kb = KnowledgeBase.from_folders(DEFAULT_ARTICLES, tmp_path / "kb")
    assert kb.search("how do I send a fax")[0].id == "KB-fax"
    (source / "broken.md").write_text("no title anywhere")
    with pytest.raises(ValueError, match="broken.md"):
        import_folder(source, tmp_path / "kb2")
    assert not (tmp_path / "kb2").exists()


def test_checklist_ticks_from_steps_and_from_what_the_agent_said():
    status = load_checklists().tick("refund", ["identity_verified"],
                                    ["Thanks. The refund will arrive within 5 working days."])
    done = {i.id: i.evidence for i in status.items if i.done}
    assert done == {"verify_identity": "step:identity_verified", "explain_timeline": "said:will arrive"}
    assert status.adherence == 0.5 and status.missing == ("Disclose terms and charges", "Confirm resolution")


def test_every_reason_has_a_checklist_ending_with_confirming_resolution():
    from simulator.world.catalog import REASONS

    checklists = load_checklists()
    for reason in REASONS:
        assert checklists.tick(reason, [], []).items[-1].id == "confirm_resolution"
