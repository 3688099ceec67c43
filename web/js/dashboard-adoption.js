// The dashboard's adoption part: the guidance funnel, its weekly trend, outcome lift with intervals and
// checklist adherence for a date range, team, queue and channel, from /v1/adoption/*, with the funnel's CSV
// export and the funnel per team and per queue.

import { duration, fill, h, percent, sentence } from "./dom.js";
import { funnelChart, liftChart, signed, trendChart } from "./dashboard-charts.js";

const $ = (id) => document.getElementById(id);
const DEFAULT_WEEKS = 12;

/** The query string of the filters: from/to are local dates, `to` inclusive (end = the next midnight, UTC). */
export function filterQuery() {
  const params = new URLSearchParams();
  if ($("from").value) params.set("start", `${$("from").value}T00:00:00Z`);
  if ($("to").value) {
    const end = new Date(`${$("to").value}T00:00:00Z`);
    end.setUTCDate(end.getUTCDate() + 1);
    params.set("end", end.toISOString());
  }
  if ($("adoption-kind").value === "practice") params.set("practice", "true");
  return params;
}

/** `params` with the team, queue and channel filters, less those named in `except` (a breakdown by team lists
 * every team, whichever team is chosen). Adherence takes the team only: it is per contact, which has no queue. */
export function withFilters(params, except = []) {
  const out = new URLSearchParams(params);
  for (const name of ["team", "queue", "channel"]) {
    if ($(name).value && !except.includes(name)) out.set(name, $(name).value);
  }
  return out;
}

export function setupAdoption(getApi, reload) {
  const start = new Date(Date.now() - DEFAULT_WEEKS * 7 * 86400_000);
  $("from").value = start.toISOString().slice(0, 10);
  $("adoption-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    reload();
  });
  $("export-csv").addEventListener("click", () => exportCsv(getApi()));
}

export async function loadAdoption(api) {
  const base = filterQuery();
  const scoped = withFilters(base);
  try {
    const [teams, queues, weeks, lift, adherence] = await Promise.all([
      api.get(`/v1/adoption/funnel?by=team&${withFilters(base, ["team"])}`),
      api.get(`/v1/adoption/funnel?by=queue&${withFilters(base, ["queue"])}`),
      api.get(`/v1/adoption/funnel?by=week&${scoped}`),
      api.get(`/v1/adoption/lift?${scoped}`),
      api.get(`/v1/adoption/adherence?${withFilters(base, ["queue", "channel"])}`),
    ]);
    options($("team"), teams.rows.map((r) => r.key), (n) => `Team ${n}`, "All teams");
    options($("queue"), queues.rows.map((r) => r.key), (n) => n, "All queues");
    $("adoption-status").textContent = "";
    renderTotals(weeks.totals);
    fill($("funnel-chart"), funnelChart(funnelSteps(weeks.totals), "Guidance funnel: what happened to each prompt"));
    fill($("trend-chart"), weeks.rows.length
      ? trendChart(weeks.rows, [
        { field: "acceptance_rate", label: "Accepted", tone: "primary" },
        { field: "follow_rate", label: "Followed (of accepted)", tone: "ok" },
        { field: "resolution_rate", label: "Resolved", tone: "warn" }], "Weekly trend")
      : h("p", { class: "muted", text: "No prompts in this range." }));
    renderLift(lift);
    renderAdherence(adherence);
    renderBreakdown($("teams-body"), teams.rows, "Team", "funnel-by-team", "data-team");
    renderBreakdown($("funnel-queues-body"), queues.rows, "Queue", "funnel-by-queue", "data-funnel-queue");
  } catch (err) {
    $("adoption-status").textContent = `Adoption figures unavailable: ${err.message}`;
  }
}

/** The filter `select`'s options: everything with prompts in range, and the current choice even without. */
function options(select, names, label, all) {
  const current = select.value;
  const wanted = ["", ...names.filter((n) => n)];
  if (current && !wanted.includes(current)) wanted.push(current);
  const have = [...select.options].map((o) => o.value);
  if (have.join("\n") === wanted.join("\n")) return;
  fill(select, wanted.map((n) => h("option", { value: n, text: n ? label(n) : all })));
  select.value = current;
}

function funnelSteps(t) {
  const settled = t.shown - t.open;
  return [
    { key: "shown", label: "Shown", count: t.shown, tone: "muted" },
    { key: "accepted", label: "Accepted", count: t.accepted, note: percent(t.acceptance_rate), tone: "primary" },
    { key: "followed", label: "Followed", count: t.followed, note: `${percent(t.follow_rate)} of accepted`, tone: "ok" },
    { key: "overridden", label: "Overridden", count: t.overridden, note: percent(t.override_rate), tone: "warn" },
    { key: "dismissed", label: "Dismissed", count: t.dismissed, note: percent(t.dismissal_rate), tone: "danger" },
    { key: "ignored", label: "Ignored", count: t.ignored, note: settled ? percent(t.ignore_rate) : null, tone: "muted" },
  ];
}

function tile(label, value, key) {
  return h("div", { class: "tile", "data-tile": key },
    h("span", { class: "value", text: value }), h("span", { class: "label", text: label }));
}

function renderTotals(t) {
  fill($("adoption-tiles"),
    tile("Prompts shown", String(t.shown), "a-shown"),
    tile("Accepted", percent(t.acceptance_rate), "a-accepted"),
    tile("Followed of accepted", percent(t.follow_rate), "a-followed"),
    tile("Still open", String(t.open), "a-open"),
    tile("Resolved", percent(t.resolution_rate), "a-resolved"),
    tile("CSAT (mean)", t.mean_csat === null ? "–" : t.mean_csat.toFixed(1), "a-csat"),
    tile("Transferred", percent(t.transfer_rate), "a-transferred"),
    tile("Handle time", duration(t.mean_handle_seconds), "a-handle"));
}

function renderLift(report) {
  const lifts = [{ ...report.overall, label: "All guidance" },
    ...report.by_action.map((l) => ({ ...l, label: sentence(l.key) }))];
  const o = report.overall;
  fill($("lift-body"),
    liftChart(lifts, "Resolution when guidance was followed minus when it was not, with 95% intervals"),
    h("p", { "data-lift-summary": "" , text: o.difference === null
      ? "Not enough closed contacts to compare yet."
      : `Followed: ${percent(o.followed.rate)} resolved of ${o.followed.n}; not followed: ` +
        `${percent(o.not_followed.rate)} of ${o.not_followed.n}; difference ${signed(o.difference)} ` +
        `(95% interval ${signed(o.low)} to ${signed(o.high)}).` }),
    o.warning ? h("p", { class: "notice notice-warn", "data-lift-warning": "", text: o.warning }) : null,
    h("p", { class: "small muted", "data-caveat": "", text: report.caveat }));
}

function coverageList(rows, name) {
  if (!rows.length) return h("p", { class: "muted", text: "No closed contacts in this range." });
  return h("ul", { class: "coverage" }, rows.map((r) => h("li", { "data-coverage": r.key },
    h("span", { class: "coverage-name", text: name(r) }),
    h("span", { class: "bar", "aria-hidden": "true" }, h("span", { style: `width:${Math.round(100 * (r.rate ?? 0))}%` })),
    h("span", { class: "coverage-value", text: `${percent(r.rate)} (${r.covered}/${r.required})` }))));
}

function renderAdherence(report) {
  fill($("adherence-body"),
    h("p", { text: `Checklist items covered: ${percent(report.totals.rate)} of ${report.totals.required} ` +
      `in ${report.totals.contacts} closed contacts.` }),
    h("div", { class: "two-col" },
      h("div", {}, h("h4", { text: "By contact reason" }), coverageList(report.by_reason, (r) => sentence(r.key))),
      h("div", {}, h("h4", { text: "By team" }), coverageList(report.by_team, (r) => r.key))));
}

function renderBreakdown(body, rows, name, testid, rowAttr) {
  if (!rows.length) return fill(body, h("p", { class: "muted", text: "No prompts in this range." }));
  const cols = [["Shown", "shown"], ["Accepted", "acceptance_rate", percent], ["Followed", "follow_rate", percent],
    ["Overridden", "override_rate", percent], ["Resolved", "resolution_rate", percent],
    ["CSAT", "mean_csat", (v) => (v === null ? "–" : v.toFixed(1))]];
  fill(body, h("table", { "data-testid": testid },
    h("caption", { text: `Funnel by ${name.toLowerCase()}` }),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", text: name }),
      cols.map(([t]) => h("th", { scope: "col", class: "num", text: t })))),
    h("tbody", {}, rows.map((r) => h("tr", { [rowAttr]: r.key }, h("th", { scope: "row", text: r.key }),
      cols.map(([, f, fmt]) => h("td", { class: "num", text: fmt ? fmt(r[f]) : String(r[f]) })))))));
}

async function exportCsv(api) {
  const by = $("export-by").value;
  const response = await fetch(`/v1/adoption/funnel.csv?by=${by}&${withFilters(filterQuery())}`,
    { headers: { Authorization: `Bearer ${api.token}` } });
  if (!response.ok) {
    $("adoption-status").textContent = `Export failed (${response.status}).`;
    return;
  }
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: `adoption-funnel-by-${by}.csv`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
