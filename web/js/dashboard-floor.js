// The live floor (GET /v1/supervision/floor): each queue's service level, speed of answer and abandonment over
// the last hour and its occupancy now, the floor's occupancy now, and every agent by name with their status,
// current contacts and how the customer sounds. Read on the dashboard's refresh loop, like the rest of its live parts.

import { duration, fill, h, percent, sentence, words } from "./dom.js";

/** -0.83 -> "upset (−0.83)": a word first, so colour is never the only cue. */
function mood(score) {
  if (score === null || score === undefined) return "–";
  const word = score <= -0.3 ? "upset" : score >= 0.3 ? "pleased" : "neutral";
  return `${word} (${score < 0 ? "−" : "+"}${Math.abs(score).toFixed(2)})`;
}

export async function loadFloor(api, root) {
  let floor;
  try {
    floor = await api.get("/v1/supervision/floor");
  } catch (err) {
    fill(root, h("p", { class: err.status === 403 ? "muted" : "notice notice-warn",
                        text: err.status === 403 ? "Only supervisors see the live floor." : `Floor unavailable: ${err.message}` }));
    return;
  }
  const now = Date.now() / 1000;
  const target = `≤ ${floor.sl_seconds} s`;
  fill(root,
    h("div", { class: "tiles" },
      tile("Occupancy now", percent(floor.occupancy), "occupancy"),
      tile("Agents staffed", String(floor.staffed), "staffed")),
    h("table", { "data-testid": "floor-queues" },
      h("caption", { text: `Queues, contacts of the last ${duration(floor.window_seconds)}` }),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Queue" }),
        ["Offered", "Answered", "Abandoned", "Waiting", `Service level ${target}`, "ASA", "Abandonment", "Longest wait",
         "Occupancy now", "Staffed for it"]
          .map((t) => h("th", { scope: "col", class: "num", text: t })))),
      h("tbody", {}, floor.queues.map((q) => h("tr", { "data-queue-row": q.queue },
        h("th", { scope: "row", text: q.queue }),
        [String(q.offered), String(q.answered), String(q.abandoned), String(q.waiting), percent(q.service_level),
         duration(q.asa_seconds), percent(q.abandonment), duration(q.longest_wait_seconds), percent(q.occupancy),
         String(q.staffed)]
          .map((v, i) => h("td", { class: "num", "data-col": i, text: v })))))),
    h("p", { class: "small muted", text: "A queue's occupancy: slots in use on its contacts over the agents staffed " +
      "for it. Agents who serve several queues count in each, so queues do not add up to the floor." }),
    floor.agents.length ? h("table", { "data-testid": "floor-agents" },
      h("caption", { text: "Agents by name" }),
      h("thead", {}, h("tr", {}, ["Agent", "Status", "For", "Slots in use", "Contact", "Customer sounds"]
        .map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, floor.agents.map((a) => h("tr", { "data-floor-agent": a.agent_id },
        h("th", { scope: "row" }, a.name, a.name !== a.agent_id ? h("span", { class: "small muted", text: ` ${a.agent_id}` }) : null),
        h("td", {}, h("span", { class: `badge status-${a.status}`, text: sentence(a.status) })),
        h("td", { text: a.status_since ? duration(now - a.status_since) : "–" }),
        h("td", { text: percent(a.occupancy) }),
        h("td", {}, a.contacts.length ? a.contacts.map((c) => h("div", { text: `${sentence(c.channel)} · ${words(c.reason)}` +
          (c.since ? ` · ${duration(now - c.since)}` : "") })) : h("span", { class: "muted", text: "none" })),
        h("td", {}, a.contacts.map((c) => h("div", { class: c.sentiment !== null && c.sentiment <= -0.3 ? "mood-upset" : null,
          text: mood(c.sentiment) })))))))
      : h("p", { class: "muted", text: "No agents on the floor." }));
}

function tile(label, value, key) {
  return h("div", { class: "tile", "data-tile": key },
    h("span", { class: "value", text: value }), h("span", { class: "label", text: label }));
}
