// The trainer console: pick scenarios, start a practice run for trainees, watch its sessions live (status,
// customer mood, the conversation so far), and read each finished session's debrief.

import { ApiClient, verifyToken } from "./api.js";
import { forgetToken, setupSignIn } from "./auth.js";
import { announce, day, duration, fill, h, keepingFocus, percent, sentence, words } from "./dom.js";

const $ = (id) => document.getElementById(id);
const POLL_MS = 2000;
const RUN_KEY = "assist.trainer.run";

let api = null;
let scenarios = [];
let runId = sessionStorage.getItem(RUN_KEY);
let watched = null;       // practice session id whose log is shown
let debriefShown = null;  // practice session id whose debrief is shown
let timer = null;
let paused = false;
let lastRunStatus = null;

// ---- scenarios and starting a run --------------------------------------------------------------------

async function loadScenarios() {
  scenarios = await api.get("/v1/practice/scenarios");
  fill($("scenario-list"), scenarios.map((s, i) => {
    const id = `scenario-${s.name}`;
    return h("li", { class: "scenario" },
      h("input", { type: "checkbox", id, name: "scenarios", value: s.name, checked: i === 0 }),
      h("div", {},
        h("label", { for: id, text: s.title }),
        h("p", { class: "small muted" },
          `${sentence(s.channel)} · ${words(s.reason)} · ${s.persona}, ${s.temperament} · target ${duration(s.target_seconds)}`),
        h("details", {},
          h("summary", { class: "small", text: "Persona and policy" }),
          h("dl", { class: "facts small" },
            h("dt", { text: "Who" }), h("dd", { text: s.summary }),
            h("dt", { text: "Wants" }), h("dd", { text: s.goal }),
            h("dt", { text: "Resolves" }), h("dd", { text: s.resolves.map(words).join(", ") }),
            s.requires_verification ? [h("dt", { text: "Needs" }), h("dd", { text: "identity verified first" })] : null,
            Object.keys(s.forbidden).length ? [h("dt", { text: "Wrong here" }),
              h("dd", { text: Object.entries(s.forbidden).map(([a, why]) => `${words(a)} (${why})`).join("; ") })] : null,
            h("dt", { text: "Escalates" }),
            h("dd", { text: s.triggers.map((t) => `${words(t.reaction)} when ${words(t.when)}`).join("; ") })))));
  }));
}

let defaultWeights = {};

async function loadRubric() {
  defaultWeights = (await api.get("/v1/practice/rubric")).weights;
  fill($("weights-fields"), Object.entries(defaultWeights).map(([name, w]) => h("div", { class: "field" },
    h("label", { for: `weight-${name}`, text: sentence(name) }),
    h("input", { id: `weight-${name}`, name: "weight", "data-criterion": name, type: "number", min: "0", max: "100",
                 step: "1", value: String(Math.round(w * 100)), inputmode: "numeric",
                 "aria-describedby": "weights-help" }))));
}

/** The trainer's weights when they changed any, else null (the run uses the default rubric). */
function chosenWeights() {
  const inputs = [...document.querySelectorAll("input[name=weight]")];
  const weights = Object.fromEntries(inputs.map((i) => [i.dataset.criterion, Number(i.value || 0) / 100]));
  const changed = inputs.some((i) => Math.abs(weights[i.dataset.criterion] - defaultWeights[i.dataset.criterion]) > 1e-9);
  return changed ? weights : null;
}

async function startRun(event) {
  event.preventDefault();
  const error = $("run-error");
  error.hidden = true;
  const chosen = [...document.querySelectorAll("input[name=scenarios]:checked")].map((c) => c.value);
  const trainees = $("trainees").value.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean);
  const seed = $("seed").value.trim();
  if (!chosen.length) return showError(error, "Pick at least one scenario.");
  if (!trainees.length) return showError(error, "Name at least one trainee (their agent id).");
  const body = { name: $("run-name").value.trim() || `Practice ${new Date().toLocaleString()}`,
                 scenarios: chosen, trainees };
  if (seed) body.seed = Number(seed);
  const weights = chosenWeights();
  if (weights) body.weights = weights;
  try {
    const run = await api.post("/v1/practice/runs", body);
    announce(`Run started: ${run.name}. Trainees have been offered their first scenario.`);
    watchRun(run.id);
    await loadRuns();
  } catch (err) {
    showError(error, err.message);
  }
}

function showError(el, text) {
  el.textContent = text;
  el.hidden = false;
  el.focus?.();
}

// ---- runs --------------------------------------------------------------------------------------------

async function loadRuns() {
  const runs = await api.get("/v1/practice/runs");
  keepingFocus(() => fill($("run-list"), runs.length ? runs.map((r) => h("li", {},
    h("button", { type: "button", "aria-pressed": String(r.id === runId), "data-run": r.id, "data-focus": `run:${r.id}`,
                  on: { click: () => watchRun(r.id) } }, r.name),
    h("span", { class: "small muted", text: ` ${words(r.status)} · ${r.scenarios.length} scenario(s)` })))
    : h("li", { class: "muted", text: "No runs yet." })));
}

function watchRun(id) {
  runId = id;
  watched = null;
  debriefShown = null;
  sessionStorage.setItem(RUN_KEY, id);
  for (const b of document.querySelectorAll("[data-run]")) b.setAttribute("aria-pressed", String(b.dataset.run === id));
  fill($("debrief"));
  fill($("history"));
  $("debrief-card").hidden = true;
  poll();
}

async function poll() {
  clearTimeout(timer);
  if (!runId) return;
  try {
    const run = await api.get(`/v1/practice/runs/${encodeURIComponent(runId)}`);
    keepingFocus(() => renderRun(run));
  } catch (err) {
    fill($("run-view"), h("p", { class: "notice notice-error", text: `Cannot load the run: ${err.message}` }));
  }
  if (!paused) timer = setTimeout(poll, POLL_MS);
}

function moodWord(mood) {
  if (mood === null || mood === undefined) return "not spoken yet";
  if (mood < -0.5) return "angry";
  if (mood < -0.1) return "upset";
  if (mood <= 0.1) return "neutral";
  if (mood <= 0.5) return "calm";
  return "pleased";
}

function moodCell(mood) {
  if (mood === null || mood === undefined) return h("span", { class: "muted", text: "–" });
  const left = Math.round(50 + 50 * Math.min(0, mood));
  const width = Math.round(50 * Math.abs(mood));
  return h("span", { class: "mood" },
    h("span", { class: `mood-bar ${mood < 0 ? "neg" : "pos"}`, "aria-hidden": "true" },
      h("span", { style: `left:${mood < 0 ? left : 50}%;width:${width}%` })),
    h("span", { text: `${mood >= 0 ? "+" : "−"}${Math.abs(mood).toFixed(2)} ${moodWord(mood)}` }));
}

function renderRun(run) {
  $("run-view-card").hidden = false;
  $("run-title").textContent = `Run: ${run.name}`;
  fill($("run-view"),
    h("p", { class: "small muted" }, `${words(run.status)} · started by ${run.created_by} · seed ${run.seed} · `,
      `trainees: ${run.trainees.join(", ") || "none"}`),
    h("table", { "data-testid": "run-sessions" },
      h("caption", { class: "visually-hidden", text: "Practice sessions of this run" }),
      h("thead", {}, h("tr", {}, ["Trainee", "Scenario", "Status", "Customer mood", "Outcome", "Score", ""].map((t) =>
        h("th", { scope: "col", class: t === "Score" ? "num" : null }, t || h("span", { class: "visually-hidden", text: "Actions" }))))),
      h("tbody", {}, run.sessions.map((s) => h("tr", { "data-practice": s.id, "data-status": s.status },
        h("th", { scope: "row", class: "mono", text: s.trainee_id }),
        h("td", { text: `${s.position + 1}. ${scenarioTitle(s.scenario)}` }),
        h("td", {}, h("span", { class: `badge ${statusBadge(s.status)}`, text: sentence(s.status) })),
        h("td", {}, moodCell(s.mood)),
        h("td", { text: s.outcome ? words(s.outcome) : "–" }),
        h("td", { class: "num", text: s.score === null || s.score === undefined ? "–" : s.score.toFixed(1) }),
        h("td", { class: "row" },
          h("button", { type: "button", disabled: s.status === "queued", "aria-pressed": String(watched === s.id),
                        "data-focus": `watch:${s.id}`, on: { click: () => { watched = s.id; keepingFocus(() => renderRun(run)); } } },
            "Watch", h("span", { class: "visually-hidden", text: ` ${s.trainee_id} on ${scenarioTitle(s.scenario)}` })),
          s.score === null || s.score === undefined ? null : h("button", {
            type: "button", "data-debrief": s.id, "data-focus": `debrief:${s.id}`, on: { click: () => showDebrief(s.id) } },
            "Debrief", h("span", { class: "visually-hidden", text: ` of ${s.trainee_id} on ${scenarioTitle(s.scenario)}` }))))))));
  // Follow the session chosen, else the one being played now; keep showing it after it ends.
  const session = run.sessions.find((s) => s.id === watched)
    ?? run.sessions.find((s) => s.status === "open") ?? null;
  if (session && !watched) watched = session.id;
  renderLog(session);
  if (run.status !== lastRunStatus) {
    lastRunStatus = run.status;
    loadRuns().catch(() => {});
  }
}

function statusBadge(status) {
  return { open: "badge-info", offered: "badge-warn", closed: "badge-ok", declined: "badge-muted" }[status] ?? "badge-muted";
}

function scenarioTitle(name) {
  return scenarios.find((s) => s.name === name)?.title ?? words(name);
}

function renderLog(session) {
  const root = $("log");
  if (!session) {
    $("log-title").textContent = "Live conversation";
    fill(root, h("p", { class: "muted", text: "Choose Watch on a session, or wait for a trainee to accept." }));
    return;
  }
  $("log-title").textContent = `Live conversation: ${session.trainee_id}, ${scenarioTitle(session.scenario)}`;
  const lines = session.log.map((line) => h("li", { class: `log-${line.source}` }, logText(line)));
  const list = h("ol", { class: "log", "data-testid": "practice-log", "data-keep-scroll": "log", tabindex: "0",
                        "aria-label": "Conversation log" }, lines);
  fill(root, lines.length ? list : h("p", { class: "muted", text: "Nothing yet." }));
}

function logText(line) {
  const at = h("span", { class: "small muted", text: `${duration(line.at)} ` });
  switch (line.source) {
    case "customer":
      return [at, h("strong", { text: "Customer" }),
              line.mood === null ? ": " : ` (${moodWord(line.mood)}, ${line.mood.toFixed(2)}): `, line.text];
    case "guidance":
      if (line.kind === "feedback") return [at, h("strong", { text: "Guidance" }), `: ${words(line.action)} ${line.verdict}`];
      return [at, h("strong", { text: "Guidance" }), `: suggested ${words(line.action)}`];
    default:
      if (line.kind === "close") return [at, h("strong", { text: "Trainee" }), ` closed the contact as ${words(line.outcome)}`];
      if (line.kind === "action") return [at, h("strong", { text: "Trainee" }), ` did: ${words(line.action)}`];
      return [at, h("strong", { text: "Trainee" }), `: ${line.text}`];
  }
}

// ---- debrief -----------------------------------------------------------------------------------------

async function showDebrief(practiceId) {
  debriefShown = practiceId;
  const card = $("debrief-card");
  card.hidden = false;
  try {
    const view = await api.get(`/v1/practice/sessions/${encodeURIComponent(practiceId)}/debrief`);
    renderDebrief(view);
    await showHistory(view.trainee_id, view.id);
  } catch (err) {
    fill($("debrief"), h("p", { class: "notice notice-error", text: err.message }));
  }
  $("debrief-title").focus();
}

/** The trainee's finished sessions over time: progress per scenario, then each session's score. */
async function showHistory(traineeId, currentId) {
  const box = $("history");
  try {
    const history = await api.get(`/v1/practice/trainees/${encodeURIComponent(traineeId)}/history`);
    fill(box,
      h("h3", { text: `${traineeId} over time` }),
      h("table", { "data-testid": "progress" },
        h("caption", { class: "visually-hidden", text: "Progress per scenario" }),
        h("thead", {}, h("tr", {},
          h("th", { scope: "col", text: "Scenario" }), h("th", { scope: "col", class: "num", text: "Runs" }),
          h("th", { scope: "col", class: "num", text: "First" }), h("th", { scope: "col", class: "num", text: "Latest" }),
          h("th", { scope: "col", class: "num", text: "Best" }), h("th", { scope: "col", class: "num", text: "Change" }))),
        h("tbody", {}, history.progress.map((p) => h("tr", {},
          h("th", { scope: "row", text: scenarioTitle(p.scenario) }), h("td", { class: "num", text: String(p.runs) }),
          h("td", { class: "num", text: p.first.toFixed(1) }), h("td", { class: "num", text: p.latest.toFixed(1) }),
          h("td", { class: "num", text: p.best.toFixed(1) }),
          h("td", { class: "num", text: `${p.change > 0 ? "+" : ""}${p.change.toFixed(1)}` }))))),
      h("ol", { class: "history small", "data-testid": "history" }, history.sessions.map((e) => h("li",
        { "aria-current": e.id === currentId ? "true" : null },
        `${day(e.ended_at)} · ${e.run_name} · ${scenarioTitle(e.scenario)}: ${e.score === null ? "–" : e.score.toFixed(1)}`,
        ` (communication ${percent(e.criteria.communication)})`))));
  } catch (err) {
    fill(box, h("p", { class: "notice notice-error", text: `History unavailable: ${err.message}` }));
  }
}

function renderDebrief(view) {
  const d = view.debrief;
  $("debrief-title").textContent = `Debrief: ${view.trainee_id}, ${scenarioTitle(view.scenario)}`;
  fill($("debrief"),
    h("div", { class: "tiles" },
      tile("Score (of 100)", d.score.toFixed(1), "score"),
      tile("Outcome for the customer", words(d.outcome), "outcome"),
      tile("Closed by the trainee as", d.claimed_outcome ? words(d.claimed_outcome) : "not closed", "claimed"),
      tile("Customer's goal", d.goal_met ? "met" : "not met", "goal"),
      tile("Mood", `${d.mood_start.toFixed(2)} → ${d.mood_end.toFixed(2)}`, "mood"),
      tile("Handle time", duration(d.handle_seconds), "handle")),
    moodChart(d.moods),
    d.violations.length ? h("div", { class: "notice notice-warn" }, h("strong", { text: "Policy violations: " }),
      d.violations.join("; ")) : null,
    integrity(d),
    h("table", { "data-testid": "rubric" },
      h("caption", { text: "Rubric" }),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col", text: "Criterion" }), h("th", { scope: "col", class: "num", text: "Weight" }),
        h("th", { scope: "col", text: "Score" }), h("th", { scope: "col", class: "num", text: "Points" }),
        h("th", { scope: "col", text: "Why" }))),
      h("tbody", {}, d.rubric.map((c) => h("tr", {},
        h("th", { scope: "row", text: sentence(c.name) }),
        h("td", { class: "num", text: percent(c.weight) }),
        h("td", {}, h("div", { class: "rate" },
          h("span", { class: "bar", "aria-hidden": "true" }, h("span", { style: `width:${Math.round(100 * c.score)}%` })),
          h("span", { text: percent(c.score) }))),
        h("td", { class: "num", text: c.points.toFixed(1) }),
        h("td", { text: c.note }))))),
    saidActs(d.said || []),
    h("h3", { text: "Turning points" }),
    d.turning_points.length
      ? h("ol", { class: "turning-points", "data-testid": "turning-points" }, d.turning_points.map((t) => h("li", {},
          h("strong", { text: `Turn ${t.turn} (${duration(t.at)}), ${words(t.kind)}: ` }),
          `"${t.said}" moved the mood ${t.mood_before.toFixed(2)} → ${t.mood_after.toFixed(2)}. ${t.why}`)))
      : h("p", { class: "muted", text: "No turning points: no single turn moved the customer much." }));
}

/** Words that did not hold: promises no action kept, "it's sorted" before it was, a false resolved close. */
function integrity(d) {
  const items = [];
  for (const p of d.broken_promises || []) items.push(`promised ${p}, but never did it`);
  const claims = (d.false_claims || 0) - (d.false_resolution ? 1 : 0);
  if (claims > 0) items.push(`told the customer it was sorted before it was (${claims}×)`);
  if (d.false_resolution) items.push("closed the contact as resolved, but the customer's goal was not met");
  if (!items.length) return null;
  return h("div", { class: "notice notice-warn", "data-testid": "integrity" },
    h("strong", { text: "Words that did not hold: " }), items.join("; "));
}

/** Each clause the trainee said and what it did (the classified act), turn by turn. */
function saidActs(said) {
  if (!said.length) {
    return h("p", { class: "muted", "data-testid": "said-acts", text: "The trainee said nothing to the customer." });
  }
  const counts = {};
  for (const s of said) counts[s.act] = (counts[s.act] || 0) + 1;
  return h("details", { class: "said-acts", open: "" },
    h("summary", {}, h("h3", { text: "What the trainee's words did" })),
    h("p", { class: "small muted", text: Object.entries(counts).map(([a, n]) => `${words(a)} ${n}`).join(" · ") }),
    h("table", { "data-testid": "said-acts" },
      h("caption", { class: "visually-hidden", text: "Each clause the trainee said and how the customer heard it" }),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col", class: "num", text: "Turn" }), h("th", { scope: "col", text: "Said" }),
        h("th", { scope: "col", text: "Heard as" }))),
      h("tbody", {}, said.map((s) => h("tr", { "data-act": s.act },
        h("td", { class: "num", text: String(s.turn) }), h("td", { text: s.text }),
        h("td", {}, h("span", { class: `act act-${s.act}`, text: words(s.act) })))))));
}

/** The mood after each turn as a small line chart; the label says the same in words. */
function moodChart(moods) {
  if (!moods || moods.length < 2) return null;
  const w = 240, hgt = 60;
  const x = (i) => (i * w) / (moods.length - 1);
  const y = (m) => hgt / 2 - (m * hgt) / 2;
  const points = moods.map((m, i) => `${x(i).toFixed(1)},${y(m).toFixed(1)}`).join(" ");
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${hgt}`);
  svg.setAttribute("class", "mood-chart");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Customer mood by turn: ${moods.map((m) => m.toFixed(2)).join(", ")}`);
  const axis = document.createElementNS(svg.namespaceURI, "line");
  for (const [k, v] of Object.entries({ x1: 0, x2: w, y1: hgt / 2, y2: hgt / 2, class: "axis" })) axis.setAttribute(k, v);
  const line = document.createElementNS(svg.namespaceURI, "polyline");
  line.setAttribute("points", points);
  line.setAttribute("class", "trend");
  svg.append(axis, line);
  return h("figure", { class: "mood-figure" }, svg,
    h("figcaption", { class: "small muted", text: "Customer mood after each turn (−1 furious, +1 delighted)" }));
}

function tile(label, value, key) {
  return h("div", { class: "tile", "data-tile": key },
    h("span", { class: "value", text: value }), h("span", { class: "label", text: label }));
}

// ---- start ---------------------------------------------------------------------------------------------

async function start(token) {
  api = new ApiClient(token);
  $("app").hidden = false;
  $("signout").hidden = false;
  try {
    await loadScenarios();
    await loadRubric();
    await loadRuns();
  } catch (err) {
    fill($("scenario-list"), h("li", { class: "notice notice-error", text: `Practice is unavailable: ${err.message}` }));
  }
  if (runId) poll();
}

function init() {
  $("run-form").addEventListener("submit", startRun);
  $("runs-refresh").addEventListener("click", () => loadRuns());
  $("pause").addEventListener("click", () => {
    paused = !paused;
    $("pause").setAttribute("aria-pressed", String(paused));
    $("pause").textContent = paused ? "Resume live updates" : "Pause live updates";
    if (paused) clearTimeout(timer);
    else poll();
  });
  $("signout").addEventListener("click", () => {
    forgetToken("trainer");
    sessionStorage.removeItem(RUN_KEY);
    location.reload();
  });
  setupSignIn({
    page: "trainer",
    form: $("signin"),
    roles: ["trainer", "admin"],
    verify: verifyToken,
    onSignedIn: start,
  });
}

init();
