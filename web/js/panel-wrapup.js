// Wrap-up after a close: the server sends a `wrapup` message (disposition codes, the automatic summary, the
// after-contact work deadline); the agent picks a disposition, edits the summary and saves it (`wrapup`);
// `wrapup_saved` confirms it is stored with the interaction. What the agent typed is kept in the panel state,
// so a re-render or a reload never loses it.

import { add, h } from "./dom.js";

const SENDING_STALE_MS = 15_000;   // a send with no answer by then (the page was reloaded meanwhile) may go again

const ERRORS = {
  unknown_disposition: "Pick a disposition from the list.",
  wrapup_not_pending: "This wrap-up was saved already.",
  session_not_closed: "Close the contact first.",
};

/** Whether `message` is one this module applies. */
export function isWrapupMessage(message) {
  return message.type === "wrapup" || message.type === "wrapup_saved";
}

/** Apply a durable `wrapup` or `wrapup_saved` message; returns what to announce, if anything. */
export function applyWrapup(state, message) {
  const data = message.data || {};
  const s = state.sessions[data.session_id];
  if (!s) return null;
  if (message.type === "wrapup") {
    if (s.wrapup) return null;   // replayed on resume: keep what the agent typed
    s.wrapup = { offer: data, disposition: "", summary: data.summary ?? "", state: "open", error: null, saved: null };
    return data.deadline ? "Wrap-up: pick a disposition and check the summary. No new contacts until it is saved."
      : "Wrap-up: pick a disposition and check the summary.";
  }
  s.wrapup = { ...(s.wrapup ?? { offer: null, disposition: "", summary: "" }), state: "saved", error: null, saved: data };
  return `Wrap-up saved: ${data.disposition?.label ?? ""}.`;
}

/** What the panel does: send the wrap-up. `ctx`: {state(), send(type, data) -> id, pending, render}. */
export function wrapupActions(ctx) {
  return {
    submitWrapup(sessionId) {
      const s = ctx.state().sessions[sessionId];
      const w = s?.wrapup;
      if (!w || isSending(w) || w.state === "saved") return;
      if (!w.disposition) {
        w.error = ERRORS.unknown_disposition;
        ctx.render();
        document.getElementById(`disposition-${sessionId}`)?.focus();
        return;
      }
      const id = ctx.send("wrapup", { session_id: sessionId, disposition: w.disposition, summary: w.summary.trim() });
      ctx.pending.set(id, { kind: "wrapup", sessionId });
      Object.assign(w, { state: "sending", sentAt: Date.now(), error: null });
      ctx.render();
    },
  };
}

function isSending(w) {
  return w.state === "sending" && Date.now() - (w.sentAt ?? 0) < SENDING_STALE_MS;
}

/** An `error` in reply to a wrap-up: the form comes back with the reason in plain words. */
export function wrapupRefused(state, about, data) {
  const w = state.sessions[about.sessionId]?.wrapup;
  if (!w) return;
  if (data.code === "wrapup_not_pending") w.state = "saved";
  else Object.assign(w, { state: "open", error: ERRORS[data.code] ?? `Not saved: ${data.detail || data.code}` });
}

/** "After-contact work: 42 s left…", or that the time is over; `now` in server seconds. */
export function acwText(deadline, now) {
  if (!deadline) return "";
  const left = Math.ceil(deadline - now);
  if (left <= 0) return "Wrap-up time is over: you can get new contacts again. You can still save the wrap-up.";
  const time = left >= 60 ? `${Math.floor(left / 60)} min ${left % 60} s` : `${left} s`;
  return `After-contact work: ${time} left. No new contacts until you save or the time is up.`;
}

/** Move the after-contact work countdown on without re-rendering (so typing is never disturbed). */
export function tickWrapup(root, now) {
  for (const el of root.querySelectorAll("[data-acw-deadline]")) {
    const text = acwText(Number(el.dataset.acwDeadline), now);
    if (el.textContent !== text) el.textContent = text;
  }
}

/** The wrap-up card of a closed contact (null when there is none). */
export function wrapupSection(s, actions, now) {
  const w = s.wrapup;
  if (!w) return null;
  const titleId = `wrapup-h-${s.id}`;
  const section = h("section", { class: "card wrapup", "aria-labelledby": titleId, "data-testid": "wrapup" },
    h("h3", { id: titleId, text: "Wrap-up" }));
  if (w.state === "saved") {
    const saved = w.saved ?? {};
    return add(section,
      h("p", { class: "notice notice-ok", role: "status", "data-testid": "wrapup-saved" },
        `Saved with the contact: ${saved.disposition?.label ?? "disposition recorded"}.`),
      saved.summary ? h("p", { class: "small wrapup-summary", text: saved.summary }) : null);
  }
  const offer = w.offer ?? { dispositions: [], deadline: null };
  const selectId = `disposition-${s.id}`;
  const textId = `wrapup-summary-${s.id}`;
  const hintId = `wrapup-hint-${s.id}`;
  const errorId = `wrapup-error-${s.id}`;
  const select = h("select", { id: selectId, name: "disposition", "aria-required": "true", "data-focus": `disposition:${s.id}`,
                               "aria-describedby": w.error ? errorId : null,
                               on: { change: (e) => { w.disposition = e.target.value; } } },
    h("option", { value: "", text: "Choose one…" }),
    offer.dispositions.map((d) => h("option", { value: d.code, text: d.label })));
  select.value = w.disposition;
  const text = h("textarea", { id: textId, name: "summary", rows: "9", maxlength: "1000", spellcheck: "true",
                               "aria-describedby": hintId, "data-focus": `wrapup-summary:${s.id}`,
                               on: { input: (e) => { w.summary = e.target.value; } } });
  text.value = w.summary;
  const sending = isSending(w);
  return add(section,
    offer.deadline ? h("p", { class: "notice notice-info", role: "timer", "aria-live": "off",
                              "data-acw-deadline": String(offer.deadline), text: acwText(offer.deadline, now) }) : null,
    h("form", { class: "wrapup-form", on: { submit: (e) => { e.preventDefault(); actions.submitWrapup(s.id); } } },
      h("div", { class: "field" }, h("label", { for: selectId, text: "Disposition" }), select),
      h("div", { class: "field" },
        h("label", { for: textId, text: "Summary" }),
        h("p", { id: hintId, class: "small muted", text: "Written for you from the contact: correct or add to it." }),
        text),
      w.error ? h("p", { id: errorId, class: "notice notice-error", role: "alert", text: w.error }) : null,
      h("button", { type: "submit", class: "primary", disabled: sending, "data-focus": `wrapup-save:${s.id}` },
        sending ? "Saving…" : "Save wrap-up")));
}
