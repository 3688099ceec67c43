// Small inline-SVG charts for the supervisor dashboard: a funnel, weekly trend lines and a lift plot with
// intervals. No library and no CDN (the page works offline); text goes in with textContent only. Every chart
// is an <svg role="img"> with a <title> and <desc> saying what it shows, and the numbers also appear in text.

const NS = "http://www.w3.org/2000/svg";

/** An SVG element; `attrs` become attributes, `text` its textContent. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined) continue;
    if (key === "text") el.textContent = String(value);
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) if (child) el.append(child);
  return el;
}

function chart(width, height, title, desc, kind) {
  const id = `chart-${kind}-${Math.random().toString(36).slice(2, 8)}`;
  return s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-t ${id}-d`,
    class: `chart chart-${kind}`, "data-chart": kind, preserveAspectRatio: "xMinYMin meet" },
  s("title", { id: `${id}-t`, text: title }), s("desc", { id: `${id}-d`, text: desc }));
}

const pct = (v) => (v === null || v === undefined ? "–" : `${Math.round(v * 100)}%`);

/** Horizontal bars, widest first: [{label, count, note, tone}] scaled to the first (shown) count. */
export function funnelChart(steps, title) {
  const width = 640, bar = 30, gap = 10, left = 150, right = 130;
  const height = steps.length * (bar + gap) + gap;
  const max = Math.max(1, steps[0]?.count ?? 1);
  const desc = steps.map((st) => `${st.label}: ${st.count}${st.note ? ` (${st.note})` : ""}`).join("; ");
  const svg = chart(width, height, title, desc, "funnel");
  steps.forEach((st, i) => {
    const y = gap + i * (bar + gap);
    const w = Math.max(2, ((width - left - right) * st.count) / max);
    svg.append(
      s("text", { x: left - 8, y: y + bar / 2 + 5, "text-anchor": "end", class: "chart-label", text: st.label }),
      s("rect", { x: left, y, width: w, height: bar, rx: 4, class: `funnel-bar tone-${st.tone || "primary"}`,
        "data-step": st.key }),
      s("text", { x: left + w + 8, y: y + bar / 2 + 5, class: "chart-value",
        text: `${st.count}${st.note ? ` · ${st.note}` : ""}` }));
  });
  return svg;
}

/** Lines over weeks: `points` = [{key, ...}], `series` = [{field, label, tone}], values are rates 0..1. */
export function trendChart(points, series, title) {
  const width = 640, height = 240, left = 44, right = 16, top = 14, bottom = 40;
  const desc = series.map((se) => `${se.label}: ` + points.map((p) => `${p.key} ${pct(p[se.field])}`).join(", "))
    .join(". ");
  const svg = chart(width, height, title, desc, "trend");
  const x = (i) => left + (points.length < 2 ? (width - left - right) / 2 : (i * (width - left - right)) / (points.length - 1));
  const y = (v) => top + (1 - v) * (height - top - bottom);
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(s("line", { x1: left, x2: width - right, y1: y(tick), y2: y(tick), class: "grid" }),
      s("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", class: "chart-axis", text: pct(tick) }));
  }
  const every = Math.max(1, Math.ceil(points.length / 8));
  points.forEach((p, i) => {
    if (i % every === 0 || i === points.length - 1) {
      svg.append(s("text", { x: x(i), y: height - bottom + 18, "text-anchor": "middle", class: "chart-axis",
        text: p.key.slice(5) }));
    }
  });
  for (const se of series) {
    const known = points.map((p, i) => [i, p[se.field]]).filter(([, v]) => v !== null && v !== undefined);
    if (known.length > 1) {
      svg.append(s("polyline", { points: known.map(([i, v]) => `${x(i)},${y(v)}`).join(" "),
        class: `line tone-${se.tone}`, "data-series": se.field }));
    }
    for (const [i, v] of known) {
      svg.append(s("circle", { cx: x(i), cy: y(v), r: 3.5, class: `dot tone-${se.tone}`, "data-series": se.field },
        s("title", { text: `${se.label}, week of ${points[i].key}: ${pct(v)}` })));
    }
  }
  return svg;
}

/** A forest plot: one row per lift, the difference as a dot and its 95% interval as a line, zero marked. */
export function liftChart(lifts, title) {
  const rows = lifts.filter((l) => l.difference !== null);
  const width = 640, row = 30, left = 170, right = 110, top = 24;
  const height = top + Math.max(1, rows.length) * row + 10;
  const desc = rows.map((l) => `${l.key}: ${signed(l.difference)} (95% ${signed(l.low)} to ${signed(l.high)})` +
    (l.enough_data ? "" : ", too few to read")).join("; ") || "Not enough closed contacts to compare.";
  const svg = chart(width, height, title, desc, "lift");
  const x = (v) => left + ((v + 1) / 2) * (width - left - right);
  for (const tick of [-1, -0.5, 0, 0.5, 1]) {
    svg.append(s("line", { x1: x(tick), x2: x(tick), y1: top - 4, y2: height - 6, class: tick === 0 ? "zero" : "grid" }),
      s("text", { x: x(tick), y: top - 10, "text-anchor": "middle", class: "chart-axis", text: signed(tick) }));
  }
  rows.forEach((l, i) => {
    const y = top + i * row + row / 2;
    const tone = l.enough_data ? (l.low > 0 ? "ok" : l.high < 0 ? "danger" : "primary") : "muted";
    svg.append(
      s("text", { x: left - 8, y: y + 4, "text-anchor": "end", class: "chart-label", text: l.label }),
      s("line", { x1: x(l.low), x2: x(l.high), y1: y, y2: y, class: `interval tone-${tone}`, "data-lift": l.key }),
      s("circle", { cx: x(l.difference), cy: y, r: 5, class: `dot tone-${tone}` },
        s("title", { text: `${l.label}: ${signed(l.difference)} (95% ${signed(l.low)} to ${signed(l.high)})` })),
      s("text", { x: width - right + 8, y: y + 4, class: "chart-value",
        text: `${signed(l.difference)}${l.enough_data ? "" : " ⚠"}` }));
  });
  return svg;
}

/** 0.123 -> "+12 pts" (percentage points). */
export function signed(v) {
  if (v === null || v === undefined) return "–";
  const points = Math.round(v * 100);
  return `${points > 0 ? "+" : points < 0 ? "−" : "±"}${Math.abs(points)} pts`;
}
