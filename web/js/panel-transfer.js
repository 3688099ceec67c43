// Transfers and the demo line in an open contact. A transfer goes to an agent, to a queue (routing picks
// the agent by that skill) or, naming no one, to another channel where the customer comes back; the note
// travels with the journey. The receiving agent sees who handed over and the note at the top of the contact.
// In demo mode the agent can also post a customer line, marked simulated, to see guidance react to it.

import { announce, h, naturalCompare, sentence, words } from "./dom.js";

const CHANNELS = ["chat", "phone", "email"];

/** Plain words for the codes a refused transfer or demo line comes back with. */
const REFUSALS = {
  unknown_agent: "There is no such agent. Pick one from the list.",
  agent_offline: "That agent is away or signed out. Pick someone available, or a queue.",
  unknown_queue: "There is no such queue. Pick one from the list.",
  transfer_to_self: "You cannot transfer a contact to yourself.",
  demo_only: "this works only in demo mode (make run).",
};

function refusalText(code, detail) {
  return REFUSALS[code] ?? detail ?? code;
}

/**
 * The panel's actions for transfers and the demo. `ctx`: {state() (the panel state now), send(type, data,
 * about) (a stream message whose reply is matched by `about`), render(), api() (the REST client)}.
 */
export function transferActions(ctx) {
  return {
    /** `target`: {channel, note, to_agent | to_queue | neither (another channel only)}. */
    transfer(sessionId, target) {
      const s = ctx.state().sessions[sessionId];
      if (!s || s.closed || s.transfer?.sending) return;
      const data = { session_id: sessionId, channel: target.channel, note: target.note };
      if (target.to_agent) data.to_agent = target.to_agent;
      if (target.to_queue) data.to_queue = target.to_queue;
      ctx.send("handoff_request", data, { kind: "transfer", sessionId });
      s.transfer = { sending: true, error: null };
      ctx.render();
    },
    async loadTargets() {
      const state = ctx.state();
      state.targets = { ...(state.targets ?? {}), state: state.targets?.state === "ok" ? "ok" : "loading" };
      ctx.render();
      try {
        state.targets = { state: "ok", ...(await fetchTargets(ctx.api())) };
      } catch (err) {
        state.targets = { state: "error", detail: err.message };
      }
      ctx.render();
    },
    demoOffer() {
      ctx.send("demo_offer", { reason: "refund" }, { kind: "demo" });
    },
    simulateCustomer(sessionId, text) {
      if (ctx.state().sessions[sessionId]) {
        ctx.send("simulate_customer", { session_id: sessionId, text }, { kind: "demo", sessionId });
      }
    },
  };
}

/**
 * An `error` answering a transfer or a demo message (`about`): a refused transfer is shown in its form (the
 * contact stays open); returns the text of a notice to show otherwise.
 */
export function refused(state, about, data) {
  if (about.kind === "transfer") {
    const s = state.sessions[about.sessionId];
    if (s) s.transfer = { sending: false, error: `Not transferred: ${refusalText(data.code, data.detail)}` };
    announce("Not transferred: the contact is still yours.");
    return null;
  }
  return `Demo not available: ${refusalText(data.code, data.detail)}`;
}

/** The agents (naturally ordered) and queues a transfer may go to: GET /v1/transfer-targets. */
export async function fetchTargets(api) {
  const targets = await api.get("/v1/transfer-targets");
  targets.agents.sort((a, b) => naturalCompare(a.id, b.id));
  targets.queues.sort(naturalCompare);
  return targets;
}

/** At the top of a handed-over contact: who handed it over and their note. */
export function handoffNote(s) {
  const handoff = s.context?.handoff;
  if (!handoff) return null;
  return h("div", { class: "notice notice-info transfer-note", role: "note", "data-testid": "transfer-note" },
    h("strong", { text: `Handed over by ${handoff.from_agent}. ` }),
    handoff.note ? `Their note: “${handoff.note}”` : "They left no note.",
    " The journey so far is below.");
}

/** Where a handed-off contact went, for the closed banner. */
export function handoffTarget(handoff) {
  if (!handoff) return "";
  const who = handoff.to_agent ? ` (${handoff.to_agent})` : handoff.to_queue ? ` (queue ${words(handoff.to_queue)})` : "";
  return ` to ${handoff.channel}${who}`;
}

function targetOptions(targets) {
  if (!targets || targets.state !== "ok") {
    return [h("option", { value: "", text: targets?.state === "error" ? "Could not load agents and queues" : "Loading…" })];
  }
  return [
    h("option", { value: "channel:", text: "No one: the customer comes back on the channel below" }),
    h("optgroup", { label: "Agents" }, targets.agents.map((a) => h("option", {
      value: `agent:${a.id}`, disabled: !a.available,
      text: `${a.name && a.name !== a.id ? `${a.name} (${a.id})` : a.id}${a.available ? "" : " — away"}` }))),
    targets.queues.length ? h("optgroup", { label: "Queues" }, targets.queues.map((q) => h("option", {
      value: `queue:${q}`, text: `${sentence(q)} queue` }))) : null,
  ];
}

/** The transfer form of an open contact. `targets`: {state: "loading"|"ok"|"error", agents, queues}. */
export function transferSection(s, targets, actions) {
  if (s.closed) return null;
  const target = h("select", { id: `transfer-to-${s.id}`, name: "target", required: true,
                               "data-focus": `transfer-to:${s.id}` }, targetOptions(targets));
  const channel = h("select", { id: `transfer-channel-${s.id}`, name: "channel",
                                "data-focus": `transfer-channel:${s.id}` },
    CHANNELS.map((c) => h("option", { value: c, text: sentence(c) })));
  channel.value = s.channel || "chat";
  const note = h("textarea", { id: `transfer-note-${s.id}`, name: "note", rows: "3", maxlength: "1000",
                               "data-focus": `transfer-note-input:${s.id}` });
  const error = s.transfer?.error;
  // Loaded when the agent opens the form (a click, or Enter/Space on the summary), never on a re-render's
  // restored `open`, which fires `toggle` too.
  return h("details", { class: "card transfer", "data-open-key": `transfer:${s.id}`, "data-testid": "transfer" },
    h("summary", { "data-focus": `transfer:${s.id}`, text: "Transfer",
                   on: { click: (e) => {   // after the click has opened it, so the re-render keeps it open
                     if (!e.currentTarget.parentElement.open) setTimeout(() => actions.loadTargets(), 0);
                   } } }),
    h("form", { on: { submit: (e) => {
      e.preventDefault();
      const [kind, id] = target.value.split(/:(.*)/s);
      if (!kind) return;
      actions.transfer(s.id, { channel: channel.value, note: note.value.trim(),
                               to_agent: kind === "agent" ? id : null, to_queue: kind === "queue" ? id : null });
    } } },
      h("div", { class: "field" }, h("label", { for: target.id, text: "Transfer to" }), target),
      h("div", { class: "field" }, h("label", { for: channel.id, text: "Channel" }), channel),
      h("div", { class: "field" }, h("label", { for: note.id, text: "Note for the next agent" }), note),
      error ? h("p", { class: "notice notice-error", role: "alert", "data-testid": "transfer-error", text: error }) : null,
      h("button", { type: "submit", class: "primary", disabled: !!s.transfer?.sending || targets?.state !== "ok",
                    "data-focus": `transfer-send:${s.id}` }, s.transfer?.sending ? "Transferring…" : "Transfer")));
}

/** Demo mode only, with no contact open: ask for a contact as routing would offer one. */
export function demoStart(demo, actions) {
  if (!demo) return null;
  return h("div", { class: "demo-start" },
    h("p", { class: "small", text: "Demo mode: start a demo contact (a refund chat from the first demo customer), then play the customer below it." }),
    h("button", { type: "button", class: "primary", "data-focus": "demo-offer",
                  on: { click: () => actions.demoOffer() } }, "Start a demo contact"));
}

/** Demo mode only: post a line as if the customer said it, to see guidance react. */
export function demoSection(s, demo, actions) {
  if (!demo || s.closed) return null;
  const inputId = `demo-line-${s.id}`;
  const input = h("input", { id: inputId, name: "text", autocomplete: "off", maxlength: "1000",
                             "data-focus": `demo-input:${s.id}` });
  return h("section", { class: "card demo-line", "aria-labelledby": `demo-h-${s.id}` },
    h("h3", { id: `demo-h-${s.id}` }, "Simulate the customer ", h("span", { class: "badge badge-practice", text: "Demo" })),
    h("p", { class: "small", text: "Demo mode: type what a customer might say. The line is posted as the customer's, " +
                                   "marked simulated, and guidance answers it as it would a real one." }),
    h("form", { class: "row say", on: { submit: (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (text) actions.simulateCustomer(s.id, text);
      input.value = "";
    } } },
      h("label", { for: inputId, text: "Customer says (simulated)" }), input,
      h("button", { type: "submit", "data-focus": `demo-send:${s.id}` }, "Post as customer")));
}
