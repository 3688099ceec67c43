// The dashboard's experiments: start one (arms with weights: a model version, the promoted model, rules, or
// guidance off), list them, and for each the resolution per arm with its 95% interval, the difference with
// the control arm and its interval, the sample size needed, and a stop button. From /v1/experiments.

import { duration, fill, h, percent } from "./dom.js";
import { liftChart, s, signed } from "./dashboard-charts.js";

const $ = (id) => document.getElementById(id);
const KINDS = [["rules", "Rules"], ["model", "Promoted model"], ["model_version", "Model version…"],
  ["off", "Guidance off (hold-out)"]];
let armCount = 0;

function armRow(name, kind, weight) {
  const n = ++armCount;
  const version = h("input", { id: `arm-version-${n}`, class: "arm-version", size: 14, placeholder: "version",
    "aria-label": `Arm ${n} model version` });
  const select = h("select", { id: `arm-kind-${n}`, class: "arm-kind", "aria-label": `Arm ${n} guidance`,
    on: { change: () => { version.hidden = select.value !== "model_version"; } } },
  KINDS.map(([value, label]) => h("option", { value, text: label })));
  select.value = kind;
  version.hidden = kind !== "model_version";
  return h("li", { class: "arm-row", "data-arm-row": n },
    h("input", { id: `arm-name-${n}`, class: "arm-name", value: name, size: 12, required: true,
      "aria-label": `Arm ${n} name` }),
    select, version,
    h("label", { for: `arm-weight-${n}`, class: "small", text: "weight" }),
    h("input", { id: `arm-weight-${n}`, class: "arm-weight", type: "number", min: "0.01", step: "any",
      value: String(weight), style: "width:5em" }),
    n > 2 ? h("button", { type: "button", text: "Remove", "aria-label": `Remove arm ${n}`,
      on: { click: (e) => e.target.closest("li").remove() } }) : null);
}

export function setupExperiments(getApi) {
  fill($("experiment-arms"), armRow("rules", "rules", 1), armRow("model", "model", 1));
  $("experiment-add-arm").addEventListener("click", () => $("experiment-arms").append(armRow("", "off", 1)));
  $("experiment-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const arms = [...document.querySelectorAll("#experiment-arms .arm-row")].map((row, i) => {
      const kind = row.querySelector(".arm-kind").value;
      return { name: row.querySelector(".arm-name").value.trim(), kind, control: i === 0,
        weight: Number(row.querySelector(".arm-weight").value),
        model_version: kind === "model_version" ? row.querySelector(".arm-version").value.trim() : null };
    });
    const body = { name: $("experiment-name").value.trim(), unit: $("experiment-unit").value,
      queue: $("experiment-queue").value.trim() || null, arms };
    try {
      await getApi().post("/v1/experiments", body);
      $("experiments-status").textContent = `Experiment "${body.name}" started.`;
      await loadExperiments(getApi());
    } catch (err) {
      $("experiments-status").textContent = `Not started: ${err.message}`;
    }
  });
}

export async function loadExperiments(api) {
  let experiments;
  try {
    experiments = await api.get("/v1/experiments");
  } catch (err) {
    $("experiments-status").textContent = `Experiments unavailable: ${err.message}`;
    return;
  }
  if (!experiments.length) {
    fill($("experiments-body"), h("p", { class: "muted", text: "No experiments yet." }));
    return;
  }
  const results = await Promise.all(experiments.map((x) => api.get(`/v1/experiments/${x.id}/results`)
    .catch((err) => ({ error: err.message }))));
  fill($("experiments-body"), experiments.map((x, i) => experimentBlock(api, x, results[i])));
}

function experimentBlock(api, x, result) {
  const live = x.status === "running" || x.status === "scheduled";
  const scope = `${x.unit === "agent" ? "agents" : "contacts"} of ${x.queue ? `queue ${x.queue}` : "every queue"}`;
  return h("article", { class: "experiment", "data-experiment": x.id },
    h("h3", {}, x.name, " ", h("span", { class: `badge status-${x.status}`, "data-status": "", text: x.status })),
    h("p", { class: "small muted", text: `Random ${scope}, since ${new Date(x.start_at).toLocaleString()}` +
      (x.end_at ? ` until ${new Date(x.end_at).toLocaleString()}` : "") +
      `. Arms: ${x.arms.map((a) => `${a.name} (${a.kind}${a.model_version ? ` ${a.model_version}` : ""}, ` +
        `weight ${a.weight}${a.control ? ", control" : ""})`).join("; ")}.` }),
    result.error ? h("p", { class: "notice notice-error", text: `Results unavailable: ${result.error}` })
      : resultsBody(result),
    live ? h("button", { type: "button", class: "danger", "data-stop": x.id, text: "Stop experiment",
      on: { click: async (e) => {
        e.target.disabled = true;
        try {
          await api.post(`/v1/experiments/${x.id}/stop`);
          $("experiments-status").textContent = `Experiment "${x.name}" stopped.`;
        } catch (err) {
          $("experiments-status").textContent = `Not stopped: ${err.message}`;
        }
        await loadExperiments(api);
      } } }) : null);
}

function resultsBody(r) {
  return h("div", { class: "chart-grid" },
    h("figure", {}, h("figcaption", { text: "Resolved, per arm (95% interval)" }), armsChart(r.arms)),
    h("div", {},
      liftChart(r.comparisons.map((c) => ({ key: c.arm, label: `${c.arm} vs ${c.versus}`,
        difference: c.resolution.value, low: c.resolution.low, high: c.resolution.high, enough_data: !c.underpowered })),
      "Resolution difference with the control arm, 95% intervals"),
      r.comparisons.map((c) => comparisonText(c)),
      armTable(r.arms),
      h("p", { class: "small muted", text: r.note })));
}

function comparisonText(c) {
  const d = c.resolution;
  return h("div", { "data-comparison": c.arm },
    h("p", { "data-difference": "", text: d.value === null ? `${c.arm} vs ${c.versus}: no closed contacts to compare yet.`
      : `${c.arm} vs ${c.versus}: resolution ${signed(d.value)} (95% interval ${signed(d.low)} to ${signed(d.high)})` +
        `${d.significant ? "" : ", not distinguishable from no difference"}.` }),
    h("p", { "data-needed": "", text: c.needed_per_arm === null ? "Sample size: state a difference worth detecting."
      : `Needed to detect ${signed(c.detect)}: ${c.needed_per_arm} contacts per arm (alpha 0.05, power 0.8).` }),
    c.warning ? h("p", { class: "notice notice-warn", "data-underpowered": "", text: c.warning }) : null);
}

function armTable(arms) {
  const mean = (m, fmt) => (m.mean === null ? "–" : fmt(m.mean));
  return h("table", { "data-testid": "experiment-arms" },
    h("caption", { text: "Per arm" }),
    h("thead", {}, h("tr", {}, ["Arm", "Contacts", "Resolved", "CSAT", "Handle time", "Prompts"].map((t, i) =>
      h("th", { scope: "col", class: i ? "num" : null, text: t })))),
    h("tbody", {}, arms.map((a) => h("tr", { "data-arm": a.arm }, h("th", { scope: "row", text: a.arm }),
      [String(a.contacts), percent(a.resolution.rate), mean(a.csat, (v) => v.toFixed(2)),
        mean(a.handle_seconds, duration), String(a.prompts)].map((v) => h("td", { class: "num", text: v }))))));
}

/** Vertical bars of each arm's resolution rate with its 95% interval as a whisker. */
export function armsChart(arms) {
  const width = 360, height = 220, left = 40, bottom = 34, top = 12;
  const band = (width - left - 10) / Math.max(1, arms.length);
  const y = (v) => top + (1 - v) * (height - top - bottom);
  const desc = arms.map((a) => `${a.arm}: ${percent(a.resolution.rate)} resolved of ${a.contacts}` +
    (a.resolution.low === null ? "" : ` (95% ${percent(a.resolution.low)} to ${percent(a.resolution.high)})`)).join("; ");
  const id = `chart-arms-${Math.random().toString(36).slice(2, 8)}`;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-t ${id}-d`,
    class: "chart chart-arms", "data-chart": "arms", preserveAspectRatio: "xMinYMin meet" },
  s("title", { id: `${id}-t`, text: "Resolution per arm with 95% intervals" }), s("desc", { id: `${id}-d`, text: desc }));
  for (const tick of [0, 0.5, 1]) {
    svg.append(s("line", { x1: left, x2: width - 10, y1: y(tick), y2: y(tick), class: "grid" }),
      s("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", class: "chart-axis", text: percent(tick) }));
  }
  arms.forEach((a, i) => {
    const cx = left + band * i + band / 2, w = Math.min(60, band * 0.5);
    const rate = a.resolution.rate;
    if (rate !== null) {
      svg.append(s("rect", { x: cx - w / 2, y: y(rate), width: w, height: y(0) - y(rate), rx: 3,
        class: `funnel-bar tone-${a.control ? "muted" : "primary"}`, "data-arm-bar": a.arm },
      s("title", { text: `${a.arm}: ${percent(rate)} resolved of ${a.contacts}` })));
    }
    if (a.resolution.low !== null) {
      const [lo, hi] = [y(a.resolution.low), y(a.resolution.high)];
      svg.append(s("g", { class: "whisker", "data-whisker": a.arm },
        s("line", { x1: cx, x2: cx, y1: lo, y2: hi, class: "interval tone-danger" }),
        s("line", { x1: cx - 8, x2: cx + 8, y1: lo, y2: lo, class: "interval tone-danger" }),
        s("line", { x1: cx - 8, x2: cx + 8, y1: hi, y2: hi, class: "interval tone-danger" })));
    }
    svg.append(s("text", { x: cx, y: height - bottom + 16, "text-anchor": "middle", class: "chart-label",
      text: a.arm }), s("text", { x: cx, y: height - 4, "text-anchor": "middle", class: "chart-axis",
      text: `n=${a.contacts}` }));
  });
  return svg;
}
