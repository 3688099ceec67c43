// Rendering the side panel from its state. Every render rebuilds the affected region from data; the
// element that had focus is found again by its `data-focus` key, so keyboard users never lose their place.

import { add, clock, day, duration, fill, h, percent, sentence, words } from "./dom.js";
import { checklistSection, guidanceSection, knowledgeSection } from "./panel-guidance.js";
import { helpSection } from "./panel-help.js";
import { demoSection, demoStart, handoffNote, handoffTarget, transferSection } from "./panel-transfer.js";
import { indicators } from "./panel-indicators.js";
import { plain, plainId } from "./panel-words.js";
import { wrapupSection } from "./panel-wrapup.js";

export { keepingFocus } from "./dom.js";
export { DISMISS_REASONS } from "./panel-guidance.js";

const PROFILE_FIELDS = [
  ["name", "Name"], ["email", "Email"], ["phone", "Phone"], ["account_number", "Account"],
  ["address", "Address"], ["date_of_birth", "Date of birth"], ["segment", "Segment"],
  ["tenure_months", "Customer for"], ["lifetime_value", "Lifetime value"], ["churn_risk", "Churn risk"],
  ["language", "Language"], ["preferred_channel", "Prefers"],
];
const PROFILING_FIELDS = new Set(["segment", "lifetime_value", "churn_risk"]);
export const DECLINE_REASONS = ["not available", "wrong skill", "other"];
const OUTCOMES = ["resolved", "escalated", "transferred", "unresolved", "abandoned"];
/** Actions an agent reports having taken (the simulator's catalog ids, which guidance and practice know). */
export const ACTIONS = ["verify_identity", "apologise_acknowledge", "offer_refund_small", "offer_refund_large",
  "offer_retention_discount", "send_knowledge_article", "escalate_supervisor", "transfer_specialist",
  "schedule_callback", "offer_plan_change", "close_with_survey"];

// ---- offers ----------------------------------------------------------------------------------------

export function renderOffers(root, offers, actions, serverNow) {
  fill(root, offers.map((offer) => offerCard(offer, actions, serverNow)));
  root.hidden = offers.length === 0;
}

function offerCard(offer, actions, serverNow) {
  if (offer.state === "expired") {   // one line until it leaves: an expired offer must not push the contact down
    return h("p", { class: "offer-gone small", "data-offer-id": offer.offer_id, role: "status" },
      `Offer expired: ${offer.channel} · ${words(offer.reason)}`, offer.error ? ` (${offer.error})` : "");
  }
  const titleId = `offer-title-${offer.offer_id}`;
  const busy = offer.state === "accepting";
  const gone = offer.state === "expired";
  const reason = h("select", { id: `decline-reason-${offer.offer_id}`, "data-focus": `decline-reason:${offer.offer_id}` },
    DECLINE_REASONS.map((r) => h("option", { value: r, text: sentence(r) })));
  return h("article", { class: "card offer", "aria-labelledby": titleId, "data-offer-id": offer.offer_id },
    h("h2", { id: titleId }, `Incoming ${offer.channel} · ${words(offer.reason)}`,
      offer.practice ? h("span", { class: "badge badge-practice", text: "Practice" }) : null),
    offer.handoff_from ? h("p", { text: `Handed over by ${offer.handoff_from}: the journey so far comes with it.` }) : null,
    offer.note ? h("p", { class: "small", text: `Their note: “${offer.note}”` }) : null,
    !offer.handoff_from && offer.resumes_journey ? h("p", { text: "Continues an open journey." }) : null,
    countdown(offer, serverNow),
    offer.error ? h("p", { class: "notice notice-error", role: "alert", text: offer.error }) : null,
    h("div", { class: "row" },
      h("button", { class: "primary", type: "button", disabled: busy || gone, "data-focus": `accept:${offer.offer_id}`,
                    on: { click: () => actions.acceptOffer(offer.offer_id) } },
        busy ? "Accepting…" : "Accept ", busy ? null : h("kbd", { text: "A" })),
      h("button", { type: "button", disabled: busy || gone, "data-focus": `decline:${offer.offer_id}`,
                    on: { click: () => actions.declineOffer(offer.offer_id, reason.value) } },
        "Decline ", h("kbd", { text: "D" })),
      h("label", { for: reason.id, class: "visually-hidden", text: "Reason to decline" }),
      reason));
}

function countdown(offer, serverNow) {
  if (typeof offer.expires_at !== "number") return null;
  const total = Math.max(1, offer.expires_at - (offer.receivedAt ?? offer.expires_at - 30));
  const left = Math.max(0, offer.expires_at - serverNow());
  return h("div", { class: "countdown", "data-countdown": offer.offer_id },
    h("p", { class: "small", "data-countdown-text": "" }, countdownText(left)),
    h("div", { class: "bar", "aria-hidden": "true" },
      h("span", { "data-countdown-bar": "", style: `width:${(100 * left / total).toFixed(1)}%` })));
}

export function countdownText(left) {
  return left > 0 ? `Expires in ${Math.ceil(left)} s` : "Expired";
}

/** Move every offer countdown on (called a few times a second, without re-rendering the offer). */
export function tickCountdowns(root, offers, serverNow) {
  for (const offer of offers) {
    const el = root.querySelector(`[data-countdown="${CSS.escape(offer.offer_id)}"]`);
    if (!el) continue;
    const total = Math.max(1, offer.expires_at - (offer.receivedAt ?? offer.expires_at - 30));
    const left = Math.max(0, offer.expires_at - serverNow());
    const text = el.querySelector("[data-countdown-text]");
    const next = countdownText(left);
    if (text.textContent !== next) text.textContent = next;
    el.querySelector("[data-countdown-bar]").style.width = `${(100 * left / total).toFixed(1)}%`;
  }
}

// ---- the open contact ------------------------------------------------------------------------------

export function renderTabs(root, state, actions) {
  const ids = state.order;
  root.hidden = ids.length < 2;
  fill(root, h("ul", { class: "row tabs" }, ids.map((id) => {
    const s = state.sessions[id];
    const label = `${sentence(s.channel)} · ${words(s.reason)}${s.closed ? " (closed)" : ""}`;
    return h("li", {}, h("button", { type: "button", "aria-pressed": String(id === state.active),
                                     "data-focus": `tab:${id}`, on: { click: () => actions.show(id) } }, label));
  })));
}

export function renderSession(root, state, actions) {
  const s = state.sessions[state.active];
  if (!s) {
    fill(root, h("section", { class: "card empty" },
      h("h2", { text: "No contact open" }),
      h("p", { class: "muted", text: "Set your status to available; offers appear above with a countdown." }),
      demoStart(state.demo, actions)));
    return;
  }
  const titleId = `session-title-${s.id}`;
  fill(root, h("article", { "aria-labelledby": titleId, "data-session-id": s.id },
    h("header", { class: "session-head" },
      h("h2", { id: titleId }, `${sentence(s.channel)} · ${words(s.reason)}`),
      h("div", { class: "row" },
        s.practice ? h("span", { class: "badge badge-practice", text: "Practice" }) : null,
        s.handoffFrom ? h("span", { class: "badge badge-info", text: `From ${s.handoffFrom}` }) : null,
        h("span", { class: "small muted mono", text: s.id }))),
    closedBanner(s, actions),
    wrapupSection(s, actions, actions.serverNow()),
    handoffNote(s),
    guidanceSection(s, actions),   // first: what changes live must be visible without scrolling
    helpSection(s, actions),
    checklistSection(s),
    knowledgeSection(s, state.reading ?? {}, actions),
    customerSection(s, actions),
    journeySection(s),
    transcriptSection(s, actions),
    demoSection(s, state.demo, actions),
    historySection(s),
    transferSection(s, state.targets, actions),
    s.closed ? null : wrapUpSection(s, actions)));
}

function closedBanner(s, actions) {
  if (!s.closed) return null;
  if (s.closed.reason === "lost") {
    return h("div", { class: "notice notice-warn row", "data-testid": "contact-lost" },
      h("span", { text: "This contact is no longer open on the server: it ended while you were offline." }),
      h("button", { type: "button", "data-focus": `clear:${s.id}`, on: { click: () => actions.clear(s.id) } },
        "Clear from panel"));
  }
  const text = s.closed.reason === "handoff"
    ? `Handed off${handoffTarget(s.handoff)}.`
    : `Closed: ${words(s.closed.outcome)}.`;
  return h("div", { class: "notice notice-ok row" }, h("span", { text: text }),
    h("button", { type: "button", "data-focus": `clear:${s.id}`, on: { click: () => actions.clear(s.id) } },
      "Clear from panel"));
}

function customerSection(s, actions) {
  const card = s.context;
  const id = `customer-h-${s.id}`;
  const section = h("section", { class: "card", "aria-labelledby": id }, h("h3", { id, text: "Customer" }));
  if (!card) {
    add(section, h("p", { class: "muted", text: "Waiting for the context card…" }));
    return section;
  }
  const identity = card.identity || {};
  if (identity.status === "ambiguous") {
    add(section, h("div", { class: "notice notice-warn", role: "note" },
      h("strong", { text: "Verify who this is. " }),
      `${identity.candidates} customers match this contact's ${(identity.matched_on || []).map(words).join(", ") || "details"}. ` +
      "No customer data is shown until you have verified the customer's identity."),
      resolveForm(s, actions));
    return section;
  }
  if (identity.status !== "resolved" || !card.customer) {
    add(section, h("p", { class: "notice notice-info", text: "Customer not identified: no record matches this contact." }));
    return section;
  }
  const customer = card.customer;
  const withheld = new Set(customer.withheld || []);
  const consent = customer.consent || {};
  const rows = [];
  for (const [field, label] of PROFILE_FIELDS) {
    let value;
    if (withheld.has(field)) {
      const why = PROFILING_FIELDS.has(field) && !consent.profiling ? "not shared: no profiling consent" : "hidden for your role";
      value = h("span", { class: "withheld", text: why });
    } else if (customer[field] === undefined || customer[field] === null) {
      continue;
    } else {
      value = formatField(field, customer[field]);
    }
    rows.push(h("dt", { text: label }), h("dd", {}, value));
  }
  const consentText = Object.entries(consent).map(([k, v]) => `${k} ${v ? "yes" : "no"}`).join(", ");
  if (consentText) rows.push(h("dt", { text: "Consent" }), h("dd", { text: consentText }));
  add(section, 
    customer.vulnerable ? h("p", { class: "notice notice-warn", text: "Vulnerable customer: slow down and take extra care." }) : null,
    h("dl", { class: "facts" }, rows),
    h("p", { class: "small muted" },
      `Identified by ${(identity.matched_on || []).map(words).join(", ") || "—"}`,
      identity.linked?.length ? `; newly linked: ${identity.linked.map(words).join(", ")}` : "", "."),
  );
  return section;
}

function formatField(field, value) {
  switch (field) {
    case "tenure_months": return value >= 12 ? `${Math.floor(value / 12)} yrs ${value % 12} mo` : `${value} mo`;
    case "lifetime_value": return Number(value).toLocaleString(undefined, { maximumFractionDigits: 0 });
    case "churn_risk": return percent(value);
    default: return String(value);
  }
}

/**
 * An ambiguous caller: the masked candidates to pick from once the agent has verified who is calling (the
 * handles stand for customer ids the panel never sees), and the CRM id typed by hand as a fallback.
 */
function resolveForm(s, actions) {
  const choices = s.context?.identity?.choices ?? [];
  const group = `candidate-${s.id}`;
  const picked = choices.length ? h("form", { class: "candidates", "data-testid": "candidates", on: { submit: (e) => {
    e.preventDefault();
    const chosen = e.target.querySelector("input[type=radio]:checked");
    if (chosen) actions.resolveIdentity(s.id, { candidate: chosen.value });
  } } },
    h("fieldset", {},
      h("legend", { text: "Who is it? Pick after verifying" }),
      choices.map((c, i) => {
        const id = `${group}-${i}`;
        const last = c.last_contact ? `last contact ${day(c.last_contact)}` : "no earlier contact";
        return h("div", { class: "candidate" },
          h("input", { type: "radio", name: group, id, value: c.handle, "data-focus": `candidate:${s.id}:${i}`,
                       required: true }),
          h("label", { for: id, text: `${c.initial} · ${c.digits_of} ending ${c.last_digits || "—"} · ${last}` }));
      })),
    h("button", { type: "submit", class: "primary", "data-focus": `resolve-pick:${s.id}` }, "Confirm verified customer")) : null;
  const inputId = `resolve-${s.id}`;
  const input = h("input", { id: inputId, name: "customer_id", autocomplete: "off", required: true,
                             "data-focus": `resolve-input:${s.id}` });
  const typed = h("form", { class: "row", on: { submit: (e) => {
    e.preventDefault();
    actions.resolveIdentity(s.id, { customer_id: input.value.trim() });
  } } },
    h("label", { for: inputId, text: "Verified customer id" }), input,
    h("button", { type: "submit", "data-focus": `resolve:${s.id}` }, "Confirm"));
  return [picked, choices.length
    ? h("details", { "data-open-key": `resolve-typed:${s.id}` },
      h("summary", { "data-focus": `resolve-typed:${s.id}`, text: "Not listed? Enter the customer id" }), typed)
    : typed];
}

function journeySection(s) {
  const j = s.context?.current_journey;
  const id = `journey-h-${s.id}`;
  const section = h("section", { class: "card", "aria-labelledby": id }, h("h3", { id, text: "Journey so far" }));
  if (!j) {
    add(section, h("p", { class: "muted", text: "No journey yet." }));
    return section;
  }
  const handlers = (j.handled_by || []).map((x) => `${x.agent_id} (${x.channel}, ${clock(x.at)})`);
  const collected = Object.entries(j.collected || {}).map(([k, v]) => `${words(k)}: ${v}`);
  const others = s.context.other_open_journeys || [];
  add(section, indicators(j));
  add(section, h("dl", { class: "facts" },
    h("dt", { text: "Already done" }), h("dd", { "data-testid": "steps-done",
      text: j.steps_done?.length ? j.steps_done.map(plainId).join(", ") : "nothing yet" }),
    h("dt", { text: "Pending" }), h("dd", { text: j.pending?.length ? j.pending.map(plainId).join(", ") : "nothing" }),
    collected.length ? [h("dt", { text: "Collected" }), h("dd", { text: collected.join("; ") })] : null,
    h("dt", { text: "Channels" }), h("dd", { text: (j.channels || []).join(" → ") || s.channel }),
    h("dt", { text: "Handled by" }), h("dd", { text: handlers.join(", ") || "you" }),
    others.length ? [h("dt", { text: "Other open issues" }),
                     h("dd", { text: others.map((o) => `${words(o.reason)} (${o.channels.join(", ")})`).join("; ") })] : null));
  return section;
}

function transcriptSection(s, actions) {
  const id = `transcript-h-${s.id}`;
  const inputId = `say-${s.id}`;
  const input = h("input", { id: inputId, name: "text", autocomplete: "off", maxlength: "4000",
                             "data-focus": `say-input:${s.id}`, "data-say": "" });
  return h("section", { class: "card", "aria-labelledby": id },
    h("h3", { id, text: "Transcript" }),
    s.transcript.length
      ? h("ol", { class: "transcript", "data-keep-scroll": `transcript:${s.id}`, tabindex: "0",
                  "aria-label": "Transcript lines" }, s.transcript.map((t) => h("li", { class: `turn turn-${t.speaker}` },
          h("span", { class: "speaker", text: `${sentence(t.speaker)}${t.simulated ? " (simulated)" : ""}:` }), " ",
          plain(t.text), lineState(t),
          t.at ? h("span", { class: "small muted", text: ` ${clock(t.at)}` }) : null)))
      : h("p", { class: "muted", text: "Nothing said yet." }),
    s.closed ? null : h("form", { class: "row say", on: { submit: (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (text) actions.say(s.id, text);
    } } },
      h("label", { for: inputId, text: "Say to the customer" }), input,
      h("button", { type: "submit", "data-focus": `say:${s.id}` }, "Send")),
    s.closed ? null : actionForm(s, actions));
}

const LINE_STATE = { unsent: "unsent: goes out when you are back online", sending: "sending…" };

/** A line the agent typed that the server has not recorded (yet, or ever). */
function lineState(t) {
  if (!t.sending) return null;
  const text = t.sending === "failed" ? `not recorded: ${t.detail}` : LINE_STATE[t.sending];
  return h("span", { class: `line-state line-${t.sending}`, "data-line-state": t.sending, text: ` (${text})` });
}

function actionForm(s, actions) {
  const select = h("select", { id: `action-${s.id}`, name: "action", "data-focus": `action-select:${s.id}` },
    ACTIONS.map((a) => h("option", { value: a, text: sentence(plainId(a)) })));
  const suggested = s.prompts.find((p) => !p.feedback || p.feedback.verdict === "accepted")?.data.action;
  if (ACTIONS.includes(suggested)) select.value = suggested;
  return h("form", { class: "row say", on: { submit: (e) => { e.preventDefault(); actions.act(s.id, select.value); } } },
    h("label", { for: select.id, text: "Record what you did" }), select,
    h("button", { type: "submit", "data-focus": `action:${s.id}` }, "Record"));
}

function historySection(s) {
  const history = s.context?.history || [];
  if (!history.length) return null;
  return h("details", { class: "card", "data-open-key": `history:${s.id}` },
    h("summary", { "data-focus": `history:${s.id}`, text: `History (${history.length})` }),
    h("ul", { class: "history" }, history.map((x) => h("li", { class: "small" },
      `${day(x.started_at)} · ${x.channel} · ${words(x.intent)}`,
      x.outcome ? ` — ${words(x.outcome)}` : "", x.disposition ? ` · ${x.disposition}` : "",
      x.csat ? ` (CSAT ${x.csat})` : "",
      x.summary ? `: ${plain(x.summary)}` : ""))));
}

function wrapUpSection(s, actions) {
  const outcome = h("select", { id: `outcome-${s.id}`, name: "outcome", "data-focus": `outcome:${s.id}` },
    OUTCOMES.map((o) => h("option", { value: o, text: sentence(o) })));
  const csat = h("select", { id: `csat-${s.id}`, name: "csat", "data-focus": `csat:${s.id}` },
    h("option", { value: "", text: "Not asked" }), [5, 4, 3, 2, 1].map((n) => h("option", { value: String(n), text: String(n) })));
  const summary = h("input", { id: `summary-${s.id}`, name: "summary", maxlength: "500", autocomplete: "off",
                               "data-focus": `summary:${s.id}` });
  return h("details", { class: "card", "data-open-key": `wrap-up:${s.id}` },
    h("summary", { "data-focus": `wrap-up:${s.id}`, text: "Wrap up" }),
    h("form", { class: "wrap-up", on: { submit: (e) => {
      e.preventDefault();
      actions.close(s.id, outcome.value, csat.value ? Number(csat.value) : null, summary.value.trim());
    } } },
      h("div", { class: "field" }, h("label", { for: outcome.id, text: "Outcome" }), outcome),
      h("div", { class: "field" }, h("label", { for: csat.id, text: "Customer satisfaction (1–5)" }), csat),
      h("div", { class: "field" }, h("label", { for: summary.id, text: "Summary" }), summary),
      h("button", { type: "submit", disabled: s.closing, "data-focus": `close:${s.id}` },
        s.closing ? "Closing…" : "Close contact")));
}

// ---- chrome ----------------------------------------------------------------------------------------

const CONNECTION_TEXT = {
  idle: "Not connected",
  connecting: "Connecting…",
  online: "Online",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

export function renderConnection(el, banner, detail) {
  el.dataset.state = detail.state;
  el.textContent = CONNECTION_TEXT[detail.state] ?? detail.state;
  const offline = detail.state === "offline" || detail.state === "reconnecting";
  banner.hidden = !offline;
  if (offline) {
    const when = detail.retryAt ? ` Next attempt in about ${duration((detail.retryAt - Date.now()) / 1000)}.` : "";
    fill(banner, h("strong", { text: "Connection lost. " }),
      "What you see is the last known context; nothing is lost, and what you send now goes out when the " +
      `connection is back.${when}`);
  }
}

export function renderNotices(root, notices, dismiss) {
  fill(root, notices.map((n, i) => h("div", { class: `notice notice-${n.kind || "error"} row`, role: "alert" },
    h("span", { text: n.text }),
    h("button", { type: "button", "data-focus": `notice:${i}`, on: { click: () => dismiss(i) } }, "Dismiss"))));
}
