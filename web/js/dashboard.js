// The supervisor dashboard: agents' approval and help requests (dashboard-requests.js), detractor follow-ups
// (dashboard-followups.js), the live floor (dashboard-floor.js), guidance adoption (funnel, trend, lift, adherence; dashboard-adoption.js) for a
// date range and team, routing's live snapshot (queues, agents by status) and the prompt feedback recorded
// in the same date range. The live parts refresh every few seconds (with a pause, for WCAG 2.2.2); the adoption figures and
// the feedback tallies, which read weeks of records, on Apply, "Refresh now" and once a minute.

import { ApiClient, verifyToken } from "./api.js";
import { forgetToken, setupSignIn } from "./auth.js";
import { filterQuery, loadAdoption, setupAdoption } from "./dashboard-adoption.js";
import { loadExperiments, setupExperiments } from "./dashboard-experiments.js";
import { loadFloor } from "./dashboard-floor.js";
import { loadFollowUps } from "./dashboard-followups.js";
import { loadPanelUse } from "./dashboard-panel-use.js";
import { loadRequests } from "./dashboard-requests.js";
import { setupTrainee } from "./dashboard-trainee.js";
import { duration, fill, h, percent, sentence, words } from "./dom.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 5000;
const ADOPTION_REFRESH_MS = 60_000;
const TARGET_SECONDS = 20;   // the usual "80/20" answer target; routing will publish its own figure later
const STATUSES = ["available", "busy", "after_contact_work", "away"];
const QUEUES_KEY = "assist.dashboard.queues";

let api = null;
let timer = null;
let paused = false;
let adoptionAt = 0;

// ---- routing -----------------------------------------------------------------------------------------

function routingProblem(err, what) {
  if (err.status === 404) return `Routing is not connected to this service yet (${what} answered 404).`;
  if (err.status === 401 || err.status === 403) return `Your token may not read routing (${err.detail}).`;
  return `Routing did not answer: ${err.message}`;
}

async function loadQueues() {
  const names = queueNames();
  const root = $("queues-body");
  try {
    const queues = await Promise.all(names.map((q) => api.get(`/v1/routing/queues/${encodeURIComponent(q)}?limit=50`)));
    fill(root, queues.map(queueBlock));
  } catch (err) {
    fill(root, h("p", { class: "notice notice-warn", text: routingProblem(err, "GET /v1/routing/queues") }));
  }
}

function queueBlock(queue) {
  const waits = queue.waiting.map((w) => w.waited_seconds);
  const within = waits.filter((s) => s <= TARGET_SECONDS).length;
  const id = `queue-${queue.queue}`;
  return h("section", { class: "queue", "aria-labelledby": id, "data-queue": queue.queue },
    h("h3", { id, text: `Queue ${queue.queue}` }),
    h("div", { class: "tiles" },
      tile("Waiting", String(queue.size), "waiting"),
      tile("Longest wait", waits.length ? duration(Math.max(...waits)) : "–"),
      tile(`Waiting ≤ ${TARGET_SECONDS} s`, waits.length ? `${within} of ${waits.length}` : "–", "service-level")),
    queue.waiting.length ? h("table", {},
      h("caption", { class: "visually-hidden", text: `Contacts waiting in ${queue.queue}` }),
      h("thead", {}, h("tr", {}, ["#", "Contact", "Channel", "Priority", "Waited"].map((t, i) =>
        h("th", { scope: "col", class: i === 0 || i > 2 ? "num" : null, text: t })))),
      h("tbody", {}, queue.waiting.map((w) => h("tr", {},
        h("td", { class: "num", text: String(w.position + 1) }), h("td", { class: "mono", text: w.contact_id }),
        h("td", { text: w.channel }), h("td", { class: "num", text: String(w.priority) }),
        h("td", { class: "num", text: duration(w.waited_seconds) })))))
      : h("p", { class: "muted", text: "Nobody waiting." }));
}

async function loadAgents() {
  const root = $("agents-body");
  try {
    const agents = await api.get("/v1/routing/agents?limit=1000");
    const now = Date.now() / 1000;
    const counts = Object.fromEntries(STATUSES.map((s) => [s, agents.filter((a) => a.status === s).length]));
    fill(root,
      h("div", { class: "tiles" }, STATUSES.map((s) => tile(sentence(s), String(counts[s]), `status-${s}`))),
      agents.length ? h("table", {},
        h("caption", { class: "visually-hidden", text: "Agents and their state" }),
        h("thead", {}, h("tr", {}, ["Agent", "Status", "For", "Load", "Skills"].map((t) => h("th", { scope: "col", text: t })))),
        h("tbody", {}, agents.map((a) => h("tr", { "data-agent": a.agent_id },
          h("th", { scope: "row", class: "mono", text: a.agent_id }),
          h("td", {}, h("span", { class: `badge status-${a.status}`, "data-status": a.status, text: sentence(a.status) })),
          h("td", { text: duration(now - a.status_since) }),
          h("td", { text: Object.entries(a.capacity).map(([ch, cap]) => `${ch} ${a.load[ch] ?? 0}/${cap}`).join(", ") }),
          h("td", { class: "small", text: Object.entries(a.skills).map(([s, l]) => `${words(s)} ${l}`).join(", ") })))))
        : h("p", { class: "muted", text: "No agents registered with routing." }));
  } catch (err) {
    fill(root, h("p", { class: "notice notice-warn", text: routingProblem(err, "GET /v1/routing/agents") }));
  }
}

// ---- prompt feedback ---------------------------------------------------------------------------------

async function loadFeedback() {
  const root = $("feedback-body");
  // the adoption filters' dates (12 weeks by default), not all time: the tallies agree with the funnel above
  const range = filterQuery();
  const params = new URLSearchParams({ practice: String($("feedback-kind").value === "practice") });
  if (range.has("start")) params.set("since", range.get("start"));
  if (range.has("end")) params.set("end", range.get("end"));
  try {
    const summary = await api.get(`/v1/adoption/summary?${params}`);
    const t = summary.totals;
    fill(root,
      h("p", { class: "small muted", "data-testid": "feedback-range", text: rangeText(summary) }),
      h("div", { class: "tiles" },
        tile("Prompts shown", String(t.shown), "shown"),
        tile("Accepted", share(t.acceptance_rate, t.accepted), "accepted"),
        tile("Dismissed", share(t.dismissal_rate, t.dismissed), "dismissed"),
        tile("Ignored", share(t.ignore_rate, t.ignored), "ignored"),
        tile("Still open", String(t.open), "open"),
        tile("Time to act (mean)", duration(t.mean_seconds_to_act), "time-to-act")),
      tallyTable("By agent", "Agent", summary.by_agent, (r) => r.agent_id, "feedback-by-agent"),
      tallyTable("By action", "Action", summary.by_action, (r) => sentence(r.action), "feedback-by-action"),
      summary.dismissal_reasons.length ? h("div", {},
        h("h3", { text: "Why prompts were dismissed" }),
        h("ul", {}, summary.dismissal_reasons.map((r) => h("li", { text: `${sentence(r.reason)}: ${r.count}` }))))
        : null,
      h("p", { class: "small muted", text: `Rates are shares of settled prompts; an unanswered prompt counts as ` +
        `ignored after ${duration(summary.ignore_after_seconds)}.` }));
  } catch (err) {
    fill(root, h("p", { class: "notice notice-error", text: `Feedback summary unavailable: ${err.message}` }));
  }
}

/** Which prompts the tallies count: the dates chosen under "Guidance adoption" (`end` is the next midnight). */
function rangeText(summary) {
  const day = (iso) => iso.slice(0, 10);
  const last = summary.end ? day(new Date(Date.parse(summary.end) - 1).toISOString()) : null;
  if (summary.since && last) return `Prompts shown from ${day(summary.since)} to ${last} (the dates chosen above).`;
  if (summary.since) return `Prompts shown since ${day(summary.since)} (the dates chosen above).`;
  return last ? `Prompts shown until ${last}.` : "Every prompt shown so far.";
}

function tallyTable(title, first, rows, name, testId) {
  if (!rows.length) return h("p", { class: "muted", text: `${title}: nothing recorded yet.` });
  return h("table", { "data-testid": testId },
    h("caption", { text: title }),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col", text: first }),
      ["Shown", "Accepted", "Dismissed", "Ignored", "Open"].map((t) => h("th", { scope: "col", class: "num", text: t })),
      h("th", { scope: "col", text: "Acceptance" }), h("th", { scope: "col", class: "num", text: "Time to act" }))),
    h("tbody", {}, rows.map((r) => h("tr", { "data-row": name(r) },
      h("th", { scope: "row", text: name(r) }),
      [r.shown, r.accepted, r.dismissed, r.ignored, r.open].map((n) => h("td", { class: "num", text: String(n) })),
      h("td", {}, h("div", { class: "rate" },
        h("span", { class: "bar", "aria-hidden": "true" },
          h("span", { style: `width:${Math.round(100 * (r.acceptance_rate ?? 0))}%` })),
        h("span", { text: percent(r.acceptance_rate) }))),
      h("td", { class: "num", text: duration(r.mean_seconds_to_act) })))));
}

/** "50% (3)", or "–" before anything settled. */
function share(rate, count) {
  return rate === null || rate === undefined ? "–" : `${percent(rate)} (${count})`;
}

function tile(label, value, key) {
  return h("div", { class: "tile", "data-tile": key },
    h("span", { class: "value", text: value }), h("span", { class: "label", text: label }));
}

// ---- refresh loop ------------------------------------------------------------------------------------

function queueNames() {
  const raw = localStorage.getItem(QUEUES_KEY) || "default";
  return raw.split(",").map((q) => q.trim()).filter(Boolean).slice(0, 20);
}

async function refresh(event) {
  clearTimeout(timer);
  $("refreshing").textContent = "Updating…";
  const adoptionDue = event !== undefined || Date.now() - adoptionAt >= ADOPTION_REFRESH_MS;
  if (adoptionDue) adoptionAt = Date.now();
  await Promise.all([loadRequests(api, $("requests-body"), $("requests-status")), loadFloor(api, $("floor-body")),
    loadFollowUps(api, $("follow-ups-body"), $("follow-ups-status"), $("team").value),
    loadQueues(), loadAgents(), adoptionDue ? loadFeedback() : null,
    adoptionDue ? loadAdoption(api) : null, adoptionDue ? loadExperiments(api) : null,
    adoptionDue ? loadPanelUse(api) : null]);
  $("refreshing").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  if (!paused) timer = setTimeout(() => refresh(), REFRESH_MS);
}

function start(token) {
  api = new ApiClient(token);
  $("app").hidden = false;
  $("signout").hidden = false;
  refresh();
}

function init() {
  setupAdoption(() => api, () => refresh(new Event("apply")));
  setupExperiments(() => api);
  setupTrainee(() => api);
  $("queues").value = queueNames().join(", ");
  $("queues-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(QUEUES_KEY, $("queues").value);
    refresh();
  });
  $("feedback-kind").addEventListener("change", refresh);
  $("refresh").addEventListener("click", refresh);
  $("pause").addEventListener("click", () => {
    paused = !paused;
    $("pause").setAttribute("aria-pressed", String(paused));
    $("pause").textContent = paused ? "Resume updates" : "Pause updates";
    if (paused) clearTimeout(timer);
    else refresh();
  });
  $("signout").addEventListener("click", () => {
    forgetToken("dashboard");
    location.reload();
  });
  setupSignIn({
    page: "dashboard",
    form: $("signin"),
    roles: ["supervisor", "trainer", "admin"],
    verify: verifyToken,
    onSignedIn: start,
  });
}

init();
