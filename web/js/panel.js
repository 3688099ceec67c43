// The agent side panel: sign in, hold the stream, apply its messages to the panel state, render, and turn
// clicks and shortcuts into panel messages.

import { ApiClient, verifyToken } from "./api.js";
import { forgetToken, setupSignIn } from "./auth.js";
import { announce, fill, h } from "./dom.js";
import { bindShortcuts } from "./keyboard.js";
import {
  applyMessage, findPrompt, forgetState, loadState, openOffers, openPrompts, removeSession, restartedState,
  saveState,
} from "./panel-state.js";
import {
  DISMISS_REASONS, keepingFocus, renderConnection, renderNotices, renderOffers, renderSession, renderTabs,
  tickCountdowns,
} from "./panel-view.js";
import { applyRequest, helpActions, helpSettled } from "./panel-help.js";
import { setupSearch } from "./panel-search.js";
import { articleViewed, setupPanelUse, syncPanelUse } from "./panel-use.js";
import { refused, transferActions } from "./panel-transfer.js";
import { setWords, plainId } from "./panel-words.js";
import { applyWrapup, isWrapupMessage, tickWrapup, wrapupActions, wrapupRefused } from "./panel-wrapup.js";
import { AgentStream } from "./stream.js";

const $ = (id) => document.getElementById(id);
const PANEL_ROLES = ["agent", "supervisor", "trainer", "admin"];
const OFFER_GONE_AFTER_S = 5;   // an expired offer stays this long, marked expired, then leaves

let state = null;
let stream = null;
let api = null;
const pending = new Map();   // message id -> what it was about, to match ack / error replies

function render() {
  keepingFocus(() => {
    renderOffers($("offers"), Object.values(state.offers), actions, () => stream.serverNow());
    renderTabs($("session-tabs"), state, actions);
    renderSession($("session"), state, actions);
    renderNotices($("notices"), state.notices, (i) => { state.notices.splice(i, 1); render(); });
    const status = $("status");
    status.value = state.statusPending ?? state.status ?? "";
    $("status-note").textContent = state.statusPending ? "Changing…" : "";
  });
  saveState(state);
}

function notice(text, kind = "error") {
  state.notices.push({ text, kind });
  state.notices.splice(0, Math.max(0, state.notices.length - 3));
}

// ---- what the agent can do ---------------------------------------------------------------------------

const actions = {
  acceptOffer(offerId) {
    const offer = state.offers[offerId];
    if (!offer || offer.state !== "open") return;
    offer.state = "accepting";
    offer.error = null;
    pending.set(stream.send("accept", { offer_id: offerId }), { kind: "accept", offerId });
    render();
  },
  declineOffer(offerId, reason) {
    const offer = state.offers[offerId];
    if (!offer || offer.state !== "open") return;
    pending.set(stream.send("decline", { offer_id: offerId, reason }), { kind: "decline", offerId });
    delete state.offers[offerId];
    announce("Offer declined.");
    render();
  },
  feedback(promptId, verdict, reason) {
    const prompt = findPrompt(state, promptId);
    if (!prompt || (prompt.feedback && prompt.feedback.state !== "failed")) return;
    const online = stream.state === "online";
    const id = stream.send("prompt_feedback", { prompt_id: promptId, verdict, reason });
    prompt.feedback = { verdict, reason, state: online ? "sending" : "queued" };
    pending.set(id, { kind: "feedback", promptId });
    announce(verdict === "accepted" ? "Prompt accepted." : `Prompt dismissed: ${reason}.`);
    focusNextPrompt(promptId);
    render();
  },
  say(sessionId, text) {
    const s = state.sessions[sessionId];
    if (!s) return;
    const id = stream.send("event", { session_id: sessionId, kind: "utterance", speaker: "agent", text });
    const line = `local-${id}`;
    pending.set(id, { kind: "event", sessionId, line });
    // Unsent until the server's ack says it is recorded: a line typed offline may never be.
    s.transcript.push({ id: line, speaker: "agent", text, at: Date.now() / 1000,
                        sending: stream.state === "online" ? "sending" : "unsent" });
    const input = document.querySelector(`#say-${CSS.escape(sessionId)}`);
    if (input) input.value = "";
    render();
  },
  act(sessionId, action) {
    const s = state.sessions[sessionId];
    if (!s || !action) return;
    pending.set(stream.send("event", { session_id: sessionId, kind: "action", action }), { kind: "event", sessionId });
    s.transcript.push({ id: `local-${Date.now()}`, speaker: "agent", text: `[did: ${plainId(action)}]`,
                        at: Date.now() / 1000 });
    announce(`Recorded: ${plainId(action)}.`);
    render();
  },
  /** `pick`: {candidate: handle} from the masked list, or {customer_id} typed from the CRM. */
  resolveIdentity(sessionId, pick) {
    if (!pick.candidate && !pick.customer_id) return;
    pending.set(stream.send("event", { session_id: sessionId, kind: "action", action: "resolve_identity",
                                       fields: pick }), { kind: "event", sessionId });
  },
  close(sessionId, outcome, csat, summary) {
    const s = state.sessions[sessionId];
    if (!s || s.closed) return;
    const data = { session_id: sessionId, outcome, summary };
    if (csat) data.csat = csat;
    pending.set(stream.send("close", data), { kind: "close", sessionId });
    s.closing = true;
    render();
  },
  setStatus(status) {
    if (!status || status === state.status) return;
    state.statusPending = status;
    pending.set(stream.send("status", { status }), { kind: "status" });
    render();
  },
  /** Open (fetching its body once) or close a knowledge article in the panel. */
  async readArticle(articleId) {
    if (state.reading[articleId]) {
      delete state.reading[articleId];
      render();
      return;
    }
    state.reading[articleId] = { state: "loading" };
    articleViewed(articleId);
    render();
    try {
      const article = await api.get(`/v1/knowledge/articles/${encodeURIComponent(articleId)}`);
      if (state.reading[articleId]) state.reading[articleId] = { state: "ok", body: article.body };
    } catch (err) {
      if (state.reading[articleId]) state.reading[articleId] = { state: "error", detail: `Cannot open: ${err.message}` };
    }
    render();
  },
  show(sessionId) {
    state.active = sessionId;
    render();
  },
  serverNow: () => stream.serverNow(),
  clear(sessionId) {
    removeSession(state, sessionId);
    render();
    $("session").querySelector("h2")?.setAttribute("tabindex", "-1");
    $("session").querySelector("h2")?.focus();
  },
};

Object.assign(actions, helpActions({
  send: (type, data, about) => pending.set(stream.send(type, data), about), state: () => state, render,
}));
Object.assign(actions, wrapupActions({ state: () => state, send: (type, data) => stream.send(type, data), pending, render }));
Object.assign(actions, transferActions({
  state: () => state, send: (type, data, about) => pending.set(stream.send(type, data), about), render,
  api: () => api,
}));

/** After answering a prompt, keep keyboard users in the list: focus the next unanswered one. */
function focusNextPrompt(answeredId) {
  if (!document.activeElement?.closest?.(`[data-prompt-id="${CSS.escape(answeredId)}"]`)) return;
  const next = openPrompts(state).find((p) => p.data.id !== answeredId);
  queueMicrotask(() => {
    const el = next && document.querySelector(`[data-prompt-id="${CSS.escape(next.data.id)}"]`);
    (el || document.querySelector(`[data-prompt-id="${CSS.escape(answeredId)}"]`))?.focus?.();
  });
}

/** The prompt a shortcut acts on: the one holding focus, else the newest unanswered one. */
function currentPrompt() {
  const focused = document.activeElement?.closest?.("[data-prompt-id]")?.dataset.promptId;
  const open = openPrompts(state);
  return open.find((p) => p.data.id === focused) ?? open[0] ?? null;
}

function currentOffer() {
  return openOffers(state).find((o) => o.state === "open") ?? null;
}

// ---- replies and messages ----------------------------------------------------------------------------

function onReply(message) {
  const data = message.data || {};
  const about = data.in_reply_to ? pending.get(data.in_reply_to) : null;
  if (data.in_reply_to) pending.delete(data.in_reply_to);
  if (about?.kind === "panel_use") return;   // analytics only: a refusal is nothing the agent can act on
  if (about?.kind === "help") helpSettled(about);
  if (message.type === "ack" && about?.kind === "feedback") {
    const prompt = findPrompt(state, about.promptId);
    if (prompt?.feedback) prompt.feedback.state = "recorded";
    return;
  }
  const line = about?.line && findLine(about.sessionId, about.line);
  if (line) {
    if (message.type === "ack") delete line.sending;
    else if (message.type === "error") Object.assign(line, { sending: "failed", detail: data.detail || data.code });
    if (message.type === "error" && data.code !== "resume_gap") return;
  }
  if (message.type !== "error") return;
  if (data.code === "resume_gap") {
    notice("Some messages could not be resumed; showing what the server still holds.", "warn");
    return;
  }
  switch (about?.kind) {
    case "accept": {
      const offer = state.offers[about.offerId];
      if (offer) {
        offer.state = data.code === "offer_expired" ? "expired" : "open";
        offer.error = data.code === "offer_expired" ? "This offer expired before it was accepted."
          : data.code === "offer_unavailable" ? "This offer was taken or withdrawn." : data.detail;
        if (data.code === "offer_unavailable") offer.state = "expired";
      }
      return;
    }
    case "feedback": {
      const prompt = findPrompt(state, about.promptId);
      if (!prompt?.feedback) return;
      if (data.code === "already_answered") prompt.feedback.state = "earlier";
      else prompt.feedback = { ...prompt.feedback, state: "failed", detail: `Not recorded: ${data.detail}` };
      return;
    }
    case "help":
      notice(`Not sent to a supervisor: ${data.detail}`);
      return;
    case "status":
      state.statusPending = null;
      notice(`Status not changed: ${data.detail}`);
      return;
    case "wrapup":
      wrapupRefused(state, about, data);
      return;
    case "transfer":
    case "demo": {
      const text = refused(state, about, data);
      if (text) notice(text);
      return;
    }
    case "close": {
      const s = state.sessions[about.sessionId];
      if (s) s.closing = false;
      notice(`Could not close the contact: ${data.detail}`);
      return;
    }
    default:
      notice(data.detail || data.code);
  }
}

function findLine(sessionId, lineId) {
  return state.sessions[sessionId]?.transcript.find((t) => t.id === lineId) ?? null;
}

/**
 * After every hello: ask the server about each contact shown as live. One it no longer has open (it ended,
 * expired, or was lost while the panel was away) is shown as ended rather than kept as if live.
 */
async function reconcile() {
  for (const s of Object.values(state.sessions)) {
    if (s.closed) continue;
    let status;
    try {
      status = (await api.get(`/v1/sessions/${encodeURIComponent(s.id)}`)).status;
    } catch (err) {
      if (err.status !== 404) continue;   // unreachable or refused: keep what is shown, try on the next hello
      status = "gone";
    }
    if (status !== "open" && !s.closed && state.sessions[s.id] === s) {
      s.closed = { session_id: s.id, reason: "lost", status };
      s.closing = false;
      announce("A contact ended while you were offline.");
      render();
    }
  }
}

function onMessage(event) {
  const message = event.detail;
  if (message.type === "hello") {
    state.demo = !!message.data?.demo;
    for (const s of Object.values(state.sessions)) {   // what was queued offline goes out after this hello
      for (const t of s.transcript) if (t.sending === "unsent") t.sending = "sending";
    }
    reconcile();
    render();
    syncPanelUse(true);
    return;
  }
  if (typeof message.seq === "number") {
    if (message.type === "offer") message.data.receivedAt = stream.serverNow();
    const said = message.type === "supervisor_request" ? applyRequest(state, message)
      : isWrapupMessage(message) ? applyWrapup(state, message) : applyMessage(state, message);
    if (said) announce(said);
  } else {
    onReply(message);
  }
  render();
  syncPanelUse();
}

function expireOffers() {
  const now = stream.serverNow();
  let changed = false;
  for (const offer of Object.values(state.offers)) {
    if (offer.state === "open" && offer.expires_at < now) {
      offer.state = "expired";
      changed = true;
    } else if (offer.state === "expired" && offer.expires_at < now - OFFER_GONE_AFTER_S) {
      delete state.offers[offer.offer_id];
      changed = true;
    }
  }
  if (changed) render();
  else tickCountdowns($("offers"), Object.values(state.offers), () => stream.serverNow());
}

// ---- sign-in and start -------------------------------------------------------------------------------

function start(token, claims, me) {
  const agentId = claims.sub;
  state = loadState(agentId);
  stream = new AgentStream({ agentId, token });
  api = new ApiClient(token);
  api.get("/v1/words").then((lists) => { setWords(lists); render(); }).catch(() => { /* ids stay as words */ });
  setupSearch($("search"), api, () => state.sessions[state.active]?.reason ?? null, articleViewed);
  setupPanelUse({
    sendOnline: (type, data) => {
      if (stream.state !== "online") return false;   // never queued: it would crowd out what matters
      pending.set(stream.send(type, data), { kind: "panel_use" });
      return true;
    },
    sessions: () => Object.values(state.sessions).filter((s) => !s.closed).map((s) => s.id),
    active: () => state.active,
  });
  window.agentAssist = { stream, state: () => state };   // for diagnostics and end-to-end tests
  const name = me?.agent?.name && me.agent.name !== agentId ? `${me.agent.name} (${agentId})` : agentId;
  fill($("who"), h("span", { text: name }),
    h("span", { class: "muted", text: ` · ${claims.role}` }));
  $("app").hidden = false;
  $("signout").hidden = false;
  stream.addEventListener("message", onMessage);
  stream.addEventListener("state", (event) => {
    renderConnection($("conn"), $("conn-notice"), event.detail);
    if (event.detail.state === "online") render();
  });
  stream.addEventListener("restart", () => {
    pending.clear();
    state = restartedState(state);
    notice("The service started its message stream over: earlier offers and contacts are no longer live.", "warn");
    render();
  });
  stream.addEventListener("unauthorized", () => {
    signOut();
    const error = $("signin").querySelector("[data-error]");
    error.textContent = "The server refused this token (expired or not valid). Paste a new one.";
    error.hidden = false;
  });
  render();
  stream.start();
  setInterval(expireOffers, 250);
  setInterval(() => tickWrapup($("session"), stream.serverNow()), 1000);
  window.addEventListener("online", () => stream.retryNow());
}

function signOut() {
  if (stream) {
    stream.stop();
    stream.resetSeq();
    forgetState(stream.agentId);
  }
  forgetToken("panel");
  location.reload();
}

function init() {
  $("status").addEventListener("change", (event) => actions.setStatus(event.target.value));
  $("signout").addEventListener("click", signOut);
  bindShortcuts({
    a: () => {
      const offer = currentOffer();
      if (offer) return actions.acceptOffer(offer.offer_id);
      const prompt = currentPrompt();
      if (prompt) actions.feedback(prompt.data.id, "accepted", "");
    },
    d: () => {
      const offer = currentOffer();
      if (offer) {
        const reason = document.getElementById(`decline-reason-${offer.offer_id}`)?.value ?? "not available";
        return actions.declineOffer(offer.offer_id, reason);
      }
      const prompt = currentPrompt();
      if (prompt) actions.feedback(prompt.data.id, "dismissed", DISMISS_REASONS[0]);
    },
    n: () => {
      const open = openPrompts(state);
      if (!open.length) return;
      const focused = document.activeElement?.closest?.("[data-prompt-id]")?.dataset.promptId;
      const at = open.findIndex((p) => p.data.id === focused);
      const next = open[(at + 1) % open.length];
      document.querySelector(`[data-prompt-id="${CSS.escape(next.data.id)}"]`)?.focus();
    },
    m: () => document.querySelector("[data-say]")?.focus(),
  }, $("shortcuts"));
  setupSignIn({
    page: "panel",
    form: $("signin"),
    roles: PANEL_ROLES,
    verify: verifyToken,   // an unreachable service still signs in: the stream keeps trying
    onSignedIn: start,
  });
}

init();
