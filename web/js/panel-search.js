// The knowledge search box: the same knowledge base the prompts draw from (GET /v1/knowledge/search), each
// result with why it matched, opening the article's body in the panel. It keeps its own small state and
// renders only its own section, so the stream's re-renders never touch what the agent is searching.

import { announce, fill, h, keepingFocus, words } from "./dom.js";

let api = null;
let root = null;
let contactReason = () => null;
let opened = () => {};
const found = { state: "idle", query: "", terms: [], results: [], detail: "" };
const reading = {};   // article id -> {state, body | detail}

/** Mount the search into `element`; `reason()` gives the open contact's reason (its articles rank first);
 * `onOpen(articleId)` is told when the agent opens an article (panel use). */
export function setupSearch(element, client, reason, onOpen = () => {}) {
  root = element;
  api = client;
  contactReason = reason;
  opened = onOpen;
  root.hidden = false;
  render();
}

async function search(query) {
  Object.assign(found, { state: "loading", query, detail: "" });
  render();
  const params = new URLSearchParams({ q: query });
  const reason = contactReason();
  if (reason && /^[a-z_]+$/.test(reason)) params.set("reason", reason);
  try {
    const answer = await api.get(`/v1/knowledge/search?${params}`);
    Object.assign(found, { state: "ok", terms: answer.terms, results: answer.results });
    announce(answer.results.length ? `${answer.results.length} articles found.` : "No article matches.");
  } catch (err) {
    Object.assign(found, { state: "error", results: [], detail: err.message });
  }
  render();
}

async function toggle(articleId) {
  if (reading[articleId]) {
    delete reading[articleId];
    render();
    return;
  }
  reading[articleId] = { state: "loading" };
  opened(articleId);
  render();
  try {
    const article = await api.get(`/v1/knowledge/articles/${encodeURIComponent(articleId)}`);
    if (reading[articleId]) reading[articleId] = { state: "ok", body: article.body };
  } catch (err) {
    if (reading[articleId]) reading[articleId] = { state: "error", detail: `Cannot open: ${err.message}` };
  }
  render();
}

function why(hit) {
  const matched = `Why: matches ${hit.matched_terms.join(", ")}`;
  return hit.for_reason ? `${matched}; written for ${words(contactReason())} contacts` : matched;
}

function resultList() {
  if (found.state === "loading") return h("p", { class: "muted", role: "status", text: "Searching…" });
  if (found.state === "error") return h("p", { class: "notice notice-error", role: "alert", text: found.detail });
  if (found.state !== "ok") return null;
  if (!found.results.length) {
    return h("p", { class: "muted", role: "status",
                    text: found.terms.length ? "No article matches those words." : "Type more specific words." });
  }
  return h("ul", { class: "articles", "data-testid": "search-results", "aria-label": "Search results" },
    found.results.map((hit) => {
      const open = reading[hit.id];
      const bodyId = `search-body-${hit.id}`;
      return h("li", { "data-article-id": hit.id },
        h("button", { type: "button", class: "link", "aria-expanded": String(!!open), "aria-controls": bodyId,
                      "data-focus": `search-article:${hit.id}`, on: { click: () => toggle(hit.id) } }, hit.title),
        h("p", { class: "small muted", text: why(hit) }),
        open ? h("div", { id: bodyId, class: "article-body", role: "region", "aria-label": hit.title },
          open.state === "loading" ? h("p", { class: "muted", text: "Loading…" })
            : open.state === "error" ? h("p", { class: "notice notice-error small", text: open.detail })
              : open.body) : null);
    }));
}

function render() {
  if (!root) return;
  keepingFocus(() => {
    const input = h("input", { id: "search-q", type: "search", name: "q", maxlength: "200", autocomplete: "off",
                               required: true, "data-focus": "search-q" });
    fill(root,
      h("h2", { id: "search-h", text: "Knowledge search" }),
      h("form", { class: "row say", role: "search", "aria-labelledby": "search-h", on: { submit: (e) => {
        e.preventDefault();
        const query = input.value.trim();
        if (query) search(query);
      } } },
        h("label", { for: "search-q", text: "Search articles" }), input,
        h("button", { type: "submit", "data-focus": "search-go" }, "Search")),
      resultList());
  });
}
