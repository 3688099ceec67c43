// The dashboard's trainee progress: one trainee's practice rubric score run by run and their live follow rate
// and checklist adherence week by week (/v1/practice/trainees/{id}/trend). Two charts side by side, each with
// its own x axis (runs; weeks) and its own label, so practice never reads as live work or the other way round.

import { fill, h, percent } from "./dom.js";
import { s } from "./dashboard-charts.js";

const $ = (id) => document.getElementById(id);
const WEEKS = 12;

/** Lines of values 0..1 over labelled points: `points` = [{label, ...}], `series` = [{field, label, tone, fmt}]. */
function seriesChart(points, series, title, kind) {
  const width = 520, height = 220, left = 44, right = 16, top = 14, bottom = 40;
  const id = `chart-${kind}-${Math.random().toString(36).slice(2, 8)}`;
  const desc = series.map((se) => `${se.label}: ` + points.map((p) => `${p.label} ${se.fmt(p[se.field])}`).join(", "))
    .join(". ");
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-t ${id}-d`,
    class: `chart chart-${kind}`, "data-chart": kind, preserveAspectRatio: "xMinYMin meet" },
  s("title", { id: `${id}-t`, text: title }), s("desc", { id: `${id}-d`, text: desc }));
  const x = (i) => left + (points.length < 2 ? (width - left - right) / 2 : (i * (width - left - right)) / (points.length - 1));
  const y = (v) => top + (1 - v) * (height - top - bottom);
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(s("line", { x1: left, x2: width - right, y1: y(tick), y2: y(tick), class: "grid" }),
      s("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", class: "chart-axis", text: series[0].axis(tick) }));
  }
  const every = Math.max(1, Math.ceil(points.length / 6));
  points.forEach((p, i) => {
    if (i % every === 0 || i === points.length - 1) {
      svg.append(s("text", { x: x(i), y: height - bottom + 18, "text-anchor": "middle", class: "chart-axis",
        text: p.label.length > 14 ? `${p.label.slice(0, 13)}…` : p.label }));
    }
  });
  for (const se of series) {
    const known = points.map((p, i) => [i, p[se.field]]).filter(([, v]) => v !== null && v !== undefined);
    if (known.length > 1) {
      svg.append(s("polyline", { points: known.map(([i, v]) => `${x(i)},${y(se.scale(v))}`).join(" "),
        class: `line tone-${se.tone}`, "data-series": se.field }));
    }
    for (const [i, v] of known) {
      svg.append(s("circle", { cx: x(i), cy: y(se.scale(v)), r: 3.5, class: `dot tone-${se.tone}`,
        "data-series": se.field }, s("title", { text: `${se.label}, ${points[i].label}: ${se.fmt(v)}` })));
    }
  }
  return svg;
}

const score = (v) => (v === null || v === undefined ? "–" : v.toFixed(1));

function practiceFigure(points) {
  const body = points.length
    ? seriesChart(points.map((p) => ({ ...p, label: p.run_name })), [
      { field: "score", label: "Practice score", tone: "primary", scale: (v) => v / 100, fmt: score,
        axis: (t) => String(Math.round(t * 100)) }], "Practice: rubric score by run (0–100)", "practice-trend")
    : h("p", { class: "muted", text: "No finished practice sessions." });
  return h("figure", { "data-testid": "practice-series" },
    h("figcaption", {}, "Practice runs ", h("span", { class: "legend" },
      h("span", { class: "key tone-primary", text: "Rubric score (0–100), mean of the run's sessions" }))),
    body);
}

function liveFigure(points) {
  const body = points.length
    ? seriesChart(points.map((p) => ({ ...p, label: p.week.slice(5) })), [
      { field: "follow_rate", label: "Live follow rate", tone: "ok", scale: (v) => v, fmt: (v) => percent(v),
        axis: (t) => percent(t) },
      { field: "adherence_rate", label: "Live checklist adherence", tone: "warn", scale: (v) => v,
        fmt: (v) => percent(v), axis: (t) => percent(t) }], "Live work: follow rate and adherence by week", "live-trend")
    : h("p", { class: "muted", text: "No live work in these weeks." });
  return h("figure", { "data-testid": "live-series" },
    h("figcaption", {}, "Live work by week ", h("span", { class: "legend" },
      h("span", { class: "key tone-ok", text: "Followed (of accepted prompts)" }),
      h("span", { class: "key tone-warn", text: "Checklist adherence" }))),
    body);
}

async function show(api) {
  const trainee = $("trainee").value.trim();
  const root = $("trainee-body");
  if (!trainee) {
    fill(root, h("p", { class: "muted", text: "Enter a trainee's agent id." }));
    return;
  }
  fill(root, h("p", { class: "muted", text: "Loading…" }));
  try {
    const trend = await api.get(`/v1/practice/trainees/${encodeURIComponent(trainee)}/trend?weeks=${WEEKS}`);
    fill(root, h("div", { class: "chart-grid" }, practiceFigure(trend.practice), liveFigure(trend.live)),
      h("p", { class: "small muted", text: "Practice scores come from debriefed practice sessions only; live " +
        "figures from live contacts only. Neither counts in the other." }));
  } catch (err) {
    fill(root, h("p", { class: "notice notice-warn", text: `Trend unavailable: ${err.message}` }));
  }
}

/** Wire the trainee form; `getApi()` gives the signed-in client. */
export function setupTrainee(getApi) {
  $("trainee-form").addEventListener("submit", (event) => {
    event.preventDefault();
    show(getApi());
  });
}
