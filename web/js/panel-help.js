// The agent's line to a supervisor on an open contact: ask approval for what a guardrail kept out of the
// agent's hands (a refund above their limit: the "ask supervisor approval" prompt), or raise a hand. The
// service answers each with a durable `supervisor_request` message, pending first and again once a supervisor
// answered, so the answer reaches the panel even if it was offline meanwhile.

import { h, sentence } from "./dom.js";
import { plain } from "./panel-words.js";

const STATUS_TEXT = { pending: "Waiting for a supervisor", approved: "Approved", refused: "Refused",
                      acknowledged: "A supervisor is on it" };
const sending = new Set();   // contacts with an ask on its way: not saved, so a reload never leaves them stuck
const STATUS_BADGE = { pending: "badge-warn", approved: "badge-ok", refused: "badge-muted", acknowledged: "badge-info" };

/** A prompt the empowerment guardrail made: asking approval is what it suggests. */
function approvalPrompt(prompt) {
  return prompt.data.action === "escalate_supervisor" && (prompt.data.guardrails ?? []).length > 0;
}

/** Apply a `supervisor_request` message; returns what to announce. An answer is never undone by a replayed
 * "pending" of the same request. */
export function applyRequest(state, message) {
  const data = message.data || {};
  const s = state.sessions[data.session_id];
  if (!s) return null;
  s.requests ??= {};
  sending.delete(s.id);
  const was = s.requests[data.id];
  if (was && was.status !== "pending" && data.status === "pending") return null;
  if (was?.status === data.status) return null;
  s.requests[data.id] = data;
  const what = data.kind === "approval" ? `approval for the ${amount(data)} refund` : "raised hand";
  if (data.status === "pending") return `Sent to a supervisor: ${what}.`;
  return `Supervisor answered your ${what}: ${STATUS_TEXT[data.status]}${data.note ? `. Note: ${data.note}` : ""}.`;
}

function amount(r) {
  return Number(r.amount ?? 0).toFixed(2);
}

/** The panel's actions for this card; `send(type, data, about)` sends a panel message and remembers it. */
export function helpActions({ send, state, render }) {
  return {
    askApproval(sessionId, promptId) {
      const s = state().sessions[sessionId];
      if (!s || s.closed || sending.has(sessionId)) return;
      sending.add(sessionId);
      send("approval_request", { session_id: sessionId, prompt_id: promptId }, { kind: "help", sessionId });
      // asking is doing what the prompt said: it counts as accepted, like its Accept button
      if (!s.prompts.find((p) => p.data.id === promptId)?.feedback) this.feedback?.(promptId, "accepted", "");
      render();
    },
    raiseHand(sessionId, note) {
      const s = state().sessions[sessionId];
      if (!s || s.closed || sending.has(sessionId)) return;
      sending.add(sessionId);
      send("raise_hand", { session_id: sessionId, note }, { kind: "help", sessionId });
      const input = document.getElementById(`hand-note-${sessionId}`);
      if (input) input.value = "";
      render();
    },
  };
}

/** The service answered an ask (ack, or an error: the contact ended, no approval needed...): the buttons are
 * usable again. */
export function helpSettled(about) {
  sending.delete(about.sessionId);
}

export function helpSection(s, actions) {
  const requests = Object.values(s.requests ?? {}).sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  const asked = new Set(requests.map((r) => r.prompt_id).filter(Boolean));
  const askable = s.closed ? [] : s.prompts.filter((p) => approvalPrompt(p) && !asked.has(p.data.id));
  if (s.closed && !requests.length) return null;
  const id = `help-h-${s.id}`;
  const noteId = `hand-note-${s.id}`;
  return h("section", { class: "card help", "aria-labelledby": id, "data-testid": "supervisor" },
    h("h3", { id, text: "Supervisor" }),
    requests.length ? h("ul", { class: "requests" }, requests.map((r) => h("li", {
      "data-request-id": r.id, "data-status": r.status },
      h("span", { class: `badge ${STATUS_BADGE[r.status] ?? "badge-muted"}`, "data-testid": "request-status",
                  text: STATUS_TEXT[r.status] ?? sentence(r.status) }),
      " ", r.kind === "approval" ? `Refund ${amount(r)}` : "Raised hand",
      r.decided_by ? h("span", { class: "small muted", text: ` by ${r.decided_by}` }) : null,
      r.note ? h("p", { class: "small", text: `Note: ${r.note}` }) : null))) : null,
    askable.map((p) => h("button", {
      type: "button", class: "primary", "data-focus": `ask-approval:${p.data.id}`, "data-ask-approval": p.data.id,
      disabled: sending.has(s.id), on: { click: () => actions.askApproval(s.id, p.data.id) } },
      `${plain(p.data.title)}`)),
    s.closed ? null : h("div", { class: "row hand" },
      h("label", { for: noteId, class: "visually-hidden", text: "What you need help with (optional)" }),
      h("input", { id: noteId, placeholder: "What do you need? (optional)", autocomplete: "off", maxlength: "500",
                   "data-focus": `hand-note:${s.id}` }),
      h("button", { type: "button", "data-focus": `raise-hand:${s.id}`, disabled: sending.has(s.id),
                    on: { click: () => actions.raiseHand(s.id, document.getElementById(noteId)?.value ?? "") } },
        "Raise hand")));
}
