// The dashboard's panel-use part (/v1/adoption/panel-use): per team and agent, how long the side panel was in
// view per closed contact (and what share of the contact's time), and how many context card sections and
// knowledge articles were opened per contact. Same filters as the rest of the adoption view.

import { duration, fill, h, percent } from "./dom.js";
import { filterQuery, withFilters } from "./dashboard-adoption.js";

const $ = (id) => document.getElementById(id);

function perContact(v) {
  return v === null || v === undefined ? "–" : v.toFixed(1);
}

const COLUMNS = [
  ["Closed contacts", (r) => String(r.contacts)],
  ["Panel in view per contact", (r) => duration(r.panel_seconds_per_contact)],
  ["Share of contact time", (r) => percent(r.panel_share)],
  ["Card sections opened per contact", (r) => perContact(r.card_views_per_contact)],
  ["Articles read per contact", (r) => perContact(r.article_views_per_contact)],
];

function table(rows, caption, head, testid) {
  return h("table", { "data-testid": testid },
    h("caption", { text: caption }),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", text: head }),
      COLUMNS.map(([t]) => h("th", { scope: "col", class: "num", text: t })))),
    h("tbody", {}, rows.map((r) => h("tr", { "data-key": r.key }, h("th", { scope: "row", text: r.key || "–" }),
      COLUMNS.map(([, fmt]) => h("td", { class: "num", text: fmt(r) }))))));
}

export async function loadPanelUse(api) {
  const root = $("panel-use-body");
  if (!root) return;
  const params = withFilters(filterQuery(), ["queue", "channel"]);  // per contact: no queue to narrow by
  try {
    const report = await api.get(`/v1/adoption/panel-use?${params}`);
    const t = report.totals;
    if (!t.contacts) {
      fill(root, h("p", { class: "muted", text: "No closed contacts in this range." }));
      return;
    }
    fill(root,
      h("p", { "data-panel-use-summary": "", text: `In ${t.contacts} closed contacts the panel was in view ` +
        `${duration(t.panel_seconds_per_contact)} per contact (${percent(t.panel_share)} of contact time); ` +
        `${perContact(t.card_views_per_contact)} card sections and ${perContact(t.article_views_per_contact)} ` +
        "articles opened per contact." }),
      table(report.by_team, "Panel use by team", "Team", "panel-use-by-team"),
      table(report.by_agent, "Panel use by agent", "Agent", "panel-use-by-agent"));
  } catch (err) {
    fill(root, h("p", { class: "notice notice-warn", text: `Panel use unavailable: ${err.message}` }));
  }
}
