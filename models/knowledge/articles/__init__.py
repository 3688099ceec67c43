"""The knowledge articles shipped with the package (Markdown with a small front matter)."""
