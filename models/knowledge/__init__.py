"""Knowledge suggestions: Markdown articles, retrieved by TF-IDF for the latest utterances and reason."""

from models.knowledge.base import Article, ArticleHit, KnowledgeBase, import_folder, parse_article

__all__ = ["Article", "ArticleHit", "KnowledgeBase", "import_folder", "parse_article"]
