// The guidance half of an open contact: prompts waiting for the agent in full, answered / superseded /
// expired ones collapsed to one line each (newest first, so the 380 px panel does not grow with every event),
// the contact reason's checklist ticking as the journey moves, and the knowledge articles to read.

import { add, h, percent, sentence, words } from "./dom.js";
import { promptStanding } from "./panel-state.js";
import { plain, plainId } from "./panel-words.js";

export const DISMISS_REASONS = ["not relevant", "already done", "customer declined"];
const EARLIER_SHOWN = 8;   // collapsed lines shown; older ones are counted, not listed

export function guidanceSection(s, actions) {
  const id = `guidance-h-${s.id}`;
  const standing = new Map(s.prompts.map((p) => [p, promptStanding(p, s)]));
  const open = s.prompts.filter((p) => standing.get(p) === "open");
  const earlier = s.prompts.filter((p) => standing.get(p) !== "open");
  const section = h("section", { class: "card", "aria-labelledby": id }, h("h3", { id, text: "Guidance" }));
  if (!s.prompts.length) return add(section, h("p", { class: "muted", text: "No guidance yet." }));
  add(section,
    open.length ? h("ol", { class: "prompts" }, open.map((p) => promptCard(p, s, actions)))
      : h("p", { class: "muted", text: "Nothing waiting for you." }),
    earlier.length ? h("ol", { class: "prompts-earlier", "aria-label": "Earlier guidance", "data-testid": "earlier" },
      earlier.slice(0, EARLIER_SHOWN).map((p) => earlierLine(p, standing.get(p), s))) : null,
    earlier.length > EARLIER_SHOWN ? h("p", { class: "small muted", text: `${earlier.length - EARLIER_SHOWN} older not shown.` }) : null);
  return section;
}

const STANDING_TEXT = { superseded: "Superseded", expired: "Not answered" };

function earlierLine(prompt, standing, s) {
  const p = prompt.data;
  const f = prompt.feedback;
  const what = standing === "answered"
    ? (f.verdict === "accepted" ? "Accepted" : `Dismissed: ${f.reason}`) + (f.state === "queued" ? " (queued)" : "")
    : STANDING_TEXT[standing];
  const line = h("details", { class: `prompt-line ${standing}`, "data-open-key": `prompt-line:${p.id}` },
    h("summary", { "data-focus": `prompt-line:${p.id}` },
      h("span", { class: "prompt-line-title", text: plain(p.title) }),
      h("span", { class: `badge ${f?.verdict === "accepted" ? "badge-ok" : "badge-muted"} feedback-state`, text: what })),
    h("p", { class: "small", text: plain(p.text) }),
    reasonList(p));
  return h("li", { "data-prompt-id": p.id, "data-action": p.action, "data-standing": standing, tabindex: "-1",
                   "data-focus": `prompt:${p.id}` }, line);
}

function promptCard(prompt, s, actions) {
  const p = prompt.data;
  const titleId = `prompt-title-${p.id}`;
  const source = p.source === "model" ? `Model${p.model_version ? ` ${p.model_version}` : ""}` : "Rules";
  return h("li", { class: "prompt", "aria-labelledby": titleId, "data-prompt-id": p.id, "data-action": p.action,
                   "data-standing": "open", tabindex: "-1", "data-focus": `prompt:${p.id}` },
    h("h4", { id: titleId, text: plain(p.title) }),
    h("p", { text: plain(p.text) }),
    h("p", { class: "small muted" }, `Confidence ${percent(p.confidence)} · ${source}`,
      p.degraded ? [" ", h("span", { class: "badge badge-warn", text: "Degraded: rules answered, the model did not" })] : null),
    p.guardrails?.length ? h("div", { class: "notice notice-warn small" },
      h("strong", { text: "Guardrail: " }), p.guardrails.map(plain).join("; ")) : null,
    p.reasons?.length ? h("div", { class: "reasons" },
      h("p", { class: "small" }, h("strong", { text: "Why this" })), reasonList(p)) : null,
    feedbackControls(prompt, s, actions));
}

function reasonList(p) {
  if (!p.reasons?.length) return null;
  const maxWeight = Math.max(1, ...p.reasons.map((r) => Math.abs(r.weight ?? 0)));
  return h("ul", { class: "reason-list" }, p.reasons.map((r) => {
    const size = Math.abs(r.weight ?? 0) / maxWeight;
    return h("li", {},
      h("span", { class: "reason-text" },
        h("span", { "aria-hidden": "true", text: r.direction === "lowers" ? "↓ " : "↑ " }),
        h("span", { class: "visually-hidden", text: r.direction === "lowers" ? "Lowers: " : "Raises: " }),
        plain(r.text)),
      h("span", { class: `bar${r.direction === "lowers" ? " lowers" : ""}`, "aria-hidden": "true",
                  title: `weight ${Number(r.weight ?? 0).toFixed(2)}` },
        h("span", { style: `width:${Math.round(100 * size)}%` })),
      h("span", { class: "visually-hidden", text: ` (strength ${Math.round(100 * size)}%)` }));
  }));
}

function feedbackControls(prompt, s, actions) {
  const f = prompt.feedback;
  const id = prompt.data.id;
  const title = plain(prompt.data.title);
  return h("div", {},
    f?.state === "failed" ? h("p", { class: "notice notice-error small", role: "alert", text: f.detail }) : null,
    h("div", { class: "row", role: "group", "aria-label": `Answer: ${title}` },
      h("button", { type: "button", class: "primary", "data-focus": `fb-accept:${id}`,
                    on: { click: () => actions.feedback(id, "accepted", "") } }, "Accept ", h("kbd", { text: "A" })),
      DISMISS_REASONS.map((reason, i) => h("button", {
        type: "button", "data-focus": `fb-dismiss-${i}:${id}`, "aria-label": `Dismiss: ${reason}`,
        on: { click: () => actions.feedback(id, "dismissed", reason) } },
        i === 0 ? [sentence(reason), " ", h("kbd", { text: "D" })] : sentence(reason)))));
}

// ---- checklist and knowledge -----------------------------------------------------------------------

export function checklistSection(s) {
  if (!s.checklist?.length) return null;
  const id = `checklist-h-${s.id}`;
  const done = s.checklist.filter((i) => i.done).length;
  return h("section", { class: "card", "aria-labelledby": id },
    h("h3", { id }, "Checklist ", h("span", { class: "small muted", text: `${done} of ${s.checklist.length} done` })),
    h("ul", { class: "checklist", "data-testid": "checklist" }, s.checklist.map((item) => h("li", {
      class: item.done ? "done" : "todo", "data-item": item.id },
      h("span", { class: "tick", "aria-hidden": "true", text: item.done ? "✓" : "○" }),
      h("span", { class: "visually-hidden", text: item.done ? "Done: " : "To do: " }),
      item.label,
      item.done && item.evidence ? h("span", { class: "small muted", text: ` (${evidenceText(item.evidence)})` }) : null))));
}

/** "step:identity_verified" -> "identity verified"; "said:security question" -> "you said “security question”". */
function evidenceText(evidence) {
  const [kind, ...rest] = String(evidence).split(":");
  const what = rest.join(":");
  return kind === "said" ? `you said “${what}”` : plainId(what);
}

export function knowledgeSection(s, reading, actions) {
  if (!s.articles?.length) return null;
  const id = `knowledge-h-${s.id}`;
  return h("section", { class: "card", "aria-labelledby": id },
    h("h3", { id, text: "Knowledge" }),
    h("ul", { class: "articles", "data-testid": "articles" }, s.articles.map((a) => {
      const open = reading[a.id];
      const bodyId = `article-body-${s.id}-${a.id}`;
      return h("li", { "data-article-id": a.id },
        h("button", { type: "button", class: "link", "aria-expanded": String(!!open), "aria-controls": bodyId,
                      "data-focus": `article:${s.id}:${a.id}`, on: { click: () => actions.readArticle(a.id) } }, a.title),
        h("p", { class: "small muted", text: a.matched_terms?.length ? `Why: you talked about ${a.matched_terms.join(", ")}`
          : `Why: written for ${words(s.reason)} contacts` }),
        open ? h("div", { id: bodyId, class: "article-body", role: "region", "aria-label": a.title },
          open.state === "loading" ? h("p", { class: "muted", text: "Loading…" })
            : open.state === "error" ? h("p", { class: "notice notice-error small", text: open.detail })
              : open.body) : null);
    })));
}
