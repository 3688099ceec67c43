// What the side panel knows, as plain data: built from stream messages, saved in sessionStorage so a reload
// (or a dropped connection) keeps the last context on screen. Applying a message twice changes nothing.

const PROMPTS_KEPT = 30;
const TRANSCRIPT_KEPT = 200;
const CLOSED_KEPT = 5;

export function emptyState(agentId) {
  return { agentId, status: null, statusPending: null, offers: {}, sessions: {}, order: [], active: null,
           notices: [], reading: {} };
}

/**
 * The server's numbering started over (a new stream epoch: its Redis lost the agent's stream): offers and
 * contacts shown as live are stale, so start from nothing and take what follows. Notices stay.
 */
export function restartedState(state) {
  return { ...emptyState(state.agentId), notices: state.notices };
}

export function loadState(agentId) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(`assist.panel.${agentId}`) || "null");
    if (!saved || saved.agentId !== agentId) return emptyState(agentId);
    // Replies to messages sent before the reload will never come: let the agent answer again.
    for (const session of Object.values(saved.sessions)) {
      for (const prompt of session.prompts) if (prompt.feedback?.state === "sending") prompt.feedback = null;
    }
    for (const offer of Object.values(saved.offers)) if (offer.state === "accepting") offer.state = "open";
    // Lines still waiting for the server's ack went with the page's send queue: they were never recorded.
    for (const session of Object.values(saved.sessions)) {
      for (const line of session.transcript) {
        if (line.sending) Object.assign(line, { sending: "failed", detail: "not sent: the page was reloaded" });
      }
    }
    saved.notices = [];
    saved.reading = {};
    return saved;
  } catch {
    return emptyState(agentId);
  }
}

export function saveState(state) {
  sessionStorage.setItem(`assist.panel.${state.agentId}`,
    JSON.stringify({ ...state, notices: [], reading: {}, targets: null }));
}

export function forgetState(agentId) {
  sessionStorage.removeItem(`assist.panel.${agentId}`);
}

function session(state, id, seed = {}) {
  if (!state.sessions[id]) {
    state.sessions[id] = { id, channel: seed.channel ?? "", reason: seed.reason ?? "", practice: !!seed.practice,
                           handoffFrom: seed.handoff_from ?? null, context: null, prompts: [], transcript: [],
                           articles: [], checklist: [], closed: null, handoff: null, closing: false };
    state.order.push(id);
    if (!state.active || state.sessions[state.active]?.closed) state.active = id;
    trimClosed(state);
  }
  return state.sessions[id];
}

function trimClosed(state) {
  const closed = state.order.filter((id) => state.sessions[id].closed && id !== state.active);
  for (const id of closed.slice(0, Math.max(0, closed.length - CLOSED_KEPT))) removeSession(state, id);
}

export function removeSession(state, id) {
  delete state.sessions[id];
  state.order = state.order.filter((s) => s !== id);
  if (state.active === id) state.active = state.order.find((s) => !state.sessions[s].closed) ?? state.order[0] ?? null;
}

function addTranscript(target, line) {
  if (line.id && target.transcript.some((t) => t.id === line.id)) return;
  target.transcript.push(line);
  target.transcript.splice(0, Math.max(0, target.transcript.length - TRANSCRIPT_KEPT));
}

/**
 * Apply one durable server message; returns what the panel should announce to screen readers, if anything.
 */
export function applyMessage(state, message) {
  const data = message.data || {};
  switch (message.type) {
    case "offer": {
      const id = data.offer_id;
      if (state.sessions[id] || state.offers[id]) return null;
      state.offers[id] = { ...data, state: "open", error: null };
      return `Incoming ${data.channel} offer about ${String(data.reason).replaceAll("_", " ")}. ` +
             "Press A to accept or D to decline.";
    }
    case "context": {
      const offer = state.offers[data.session_id];
      const s = session(state, data.session_id, { ...data, handoff_from: offer?.handoff_from });
      delete state.offers[data.session_id];
      const first = s.context === null;
      s.context = data;
      s.channel = data.channel;
      s.reason = data.reason;
      s.practice = !!data.practice;
      if (first) {
        state.active = s.id;
        for (const turn of data.current_journey?.transcript_tail ?? []) {
          addTranscript(s, { id: `tail-${turn.at}-${turn.speaker}`, speaker: turn.speaker, text: turn.text,
                             at: turn.at, channel: turn.channel });
        }
        return `Contact open: ${s.channel} about ${String(s.reason).replaceAll("_", " ")}.`;
      }
      return "Customer details updated.";
    }
    case "prompt": {
      const s = session(state, data.session_id, data);
      if (s.prompts.some((p) => p.data.id === data.id)) return null;
      // An evaluation's first prompt carries its articles and checklist: the latest evaluation's stand.
      if (data.articles?.length) s.articles = data.articles;
      if (data.checklist?.length) s.checklist = data.checklist;
      s.prompts.unshift({ data, feedback: null, at: message.ts });
      s.prompts.splice(PROMPTS_KEPT);
      return `New guidance: ${data.title}.`;
    }
    case "journey": {
      const s = state.sessions[data.session_id];
      if (!s) return null;
      const { session_id: _, checklist, ...fields } = data;
      const was = s.context?.current_journey;
      if (s.context) s.context.current_journey = { ...(was ?? {}), ...fields, id: data.journey_id };
      if (checklist?.length) s.checklist = checklist;
      const newly = (data.steps_done ?? []).filter((step) => !(was?.steps_done ?? []).includes(step));
      if (data.intent?.adopted && data.reason !== s.reason) {  // the reason the customer's words named
        s.reason = data.reason;
        return `Contact reason from the customer's words: ${data.reason.replaceAll("_", " ")}.`;
      }
      return newly.length ? `Journey updated: ${newly.map((x) => x.replaceAll("_", " ")).join(", ")} done.` : null;
    }
    case "transcript": {
      const s = session(state, data.session_id, data);
      addTranscript(s, { id: message.id, speaker: data.speaker, text: data.text, at: message.ts,
                         simulated: !!data.simulated });
      return null;
    }
    case "handoff": {
      const s = state.sessions[data.session_id];
      if (s) {
        s.handoff = data;
        s.transfer = null;
      }
      return null;
    }
    case "session_closed": {
      const s = state.sessions[data.session_id];
      if (!s) return null;
      s.closed = data;
      s.closing = false;
      return data.reason === "handoff" ? "Contact handed off." : `Contact closed: ${data.outcome}.`;
    }
    case "status":
      state.status = data.status;
      state.statusPending = null;
      return `Status: ${String(data.status).replaceAll("_", " ")}.`;
    default:
      return null;
  }
}

/** Actions whose journey step has its own name (assist/sessions/events.py ACTION_STEPS). */
const ACTION_STEPS = { verify_identity: "identity_verified", send_knowledge_article: "knowledge_article_sent",
                       issue_refund: "refund_issued", request_refund: "refund_requested" };

/**
 * Where a prompt stands: "open" (waiting for the agent), "answered", "superseded" (a newer prompt says the
 * same, or the journey shows it done) or "expired" (its contact ended unanswered). Only open prompts are
 * shown in full; the others collapse to one line so the panel does not grow with every event.
 */
export function promptStanding(prompt, s) {
  if (prompt.feedback && prompt.feedback.state !== "failed") return "answered";
  if (s.closed) return "expired";
  const action = prompt.data.action;
  const done = s.context?.current_journey?.steps_done ?? [];
  if (done.includes(ACTION_STEPS[action] ?? action)) return "superseded";
  const newer = s.prompts.findIndex((p) => p.data.action === action);
  if (newer >= 0 && s.prompts[newer] !== prompt) return "superseded";
  return "open";
}

/** Every prompt of the active session still waiting for the agent, newest first. */
export function openPrompts(state) {
  const s = state.sessions[state.active];
  if (!s || s.closed) return [];
  return s.prompts.filter((p) => promptStanding(p, s) === "open");
}

export function findPrompt(state, promptId) {
  for (const s of Object.values(state.sessions)) {
    const prompt = s.prompts.find((p) => p.data.id === promptId);
    if (prompt) return prompt;
  }
  return null;
}

/** Offers still open, oldest first. */
export function openOffers(state) {
  return Object.values(state.offers).filter((o) => o.state === "open" || o.state === "accepting");
}

export { PROMPTS_KEPT, TRANSCRIPT_KEPT };
