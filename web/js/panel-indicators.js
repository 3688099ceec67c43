// Live indicators on the journey card: how the customer sounds over their last turns (the `journey` message's
// `sentiment_trend`), and, for a contact that arrived without a reason, what their words say it is about
// (`intent`, with its confidence), and how they sound when no CRM event said (`temperament`: calm, anxious, angry
// or analytical, a guess from their words with its confidence, and how many earlier contacts' words it draws
// on). One compact line each; the numbers are in the accessible names.

import { h, percent, sentence } from "./dom.js";

/** Mood words by sentiment score (VADER compound, -1..1): the usual +-0.05 neutral band, +-0.5 for strong. */
const MOODS = [[-0.5, "upset"], [-0.05, "unhappy"], [0.05, "neutral"], [0.5, "positive"], [Infinity, "pleased"]];

export function moodWord(score) {
  return MOODS.find(([below]) => score < below)[1];
}

/** "rising", "falling" or "steady": the last turn against the mean of the earlier ones. */
export function direction(trend) {
  if (trend.length < 2) return "steady";
  const earlier = trend.slice(0, -1).reduce((a, b) => a + b, 0) / (trend.length - 1);
  const change = trend[trend.length - 1] - earlier;
  return change > 0.15 ? "rising" : change < -0.15 ? "falling" : "steady";
}

const ARROWS = { rising: "↗", falling: "↘", steady: "→" };

function moodIndicator(trend) {
  const last = trend[trend.length - 1];
  const way = direction(trend);
  const scores = trend.map((x) => (x > 0 ? `+${x.toFixed(2)}` : x.toFixed(2))).join(", ");
  return h("div", { class: "indicator", "data-testid": "mood", "data-mood": moodWord(last) },
    h("span", { class: "indicator-label", text: "Mood" }),
    h("span", { class: `mood-word mood-${moodWord(last)}`, text: `${moodWord(last)} ${ARROWS[way]}` }),
    h("span", { class: "sparkline", role: "img",
                "aria-label": `Customer sentiment, last ${trend.length} turns, oldest first: ${scores}; ${way}` },
      trend.map((x) => h("span", { class: `spark ${x <= -0.05 ? "neg" : x >= 0.05 ? "pos" : "mid"}`,
                                   style: `height:${Math.max(12, Math.round(100 * Math.abs(x)))}%` }))));
}

function intentIndicator(intent) {
  const text = `${sentence(intent.reason)} · ${percent(intent.confidence)}`;
  return h("div", { class: "indicator", "data-testid": "intent", "data-adopted": String(intent.adopted) },
    h("span", { class: "indicator-label", text: "Intent" }),
    h("span", { class: "intent-text", text }),
    h("span", { class: intent.adopted ? "intent-state set" : "intent-state guess",
                text: intent.adopted ? "set as reason" : "guess",
                title: intent.adopted ? "Confident enough: guidance and the checklist follow it"
                                      : "Not confident enough to set the reason yet" }));
}

function temperamentIndicator(t) {
  const text = `${sentence(t.temperament)} · ${percent(t.confidence)}`;
  const earlier = t.earlier_contacts ?? 0;
  const contacts = earlier === 1 ? "an earlier contact" : `${earlier} earlier contacts`;
  const from = earlier ? `Read from the customer's words on ${contacts} and this one (${percent(t.share ?? 1)} agree)`
                       : "Read from the customer's words";
  return h("div", { class: "indicator", "data-testid": "temperament", "data-served": String(t.served),
                    "data-earlier": String(earlier) },
    h("span", { class: "indicator-label", text: "Sounds" }),
    h("span", { class: "temperament-text", text }),
    h("span", { class: "intent-state guess", text: earlier ? `guess · ${earlier} earlier` : "guess",
                title: t.served ? `${from}; confident enough for guidance to use it`
                                : `${from}; not confident enough for guidance to use it` }));
}

/** The indicators for journey `j` (the last `journey` message's fields), or null when there is nothing yet. */
export function indicators(j) {
  const trend = j?.sentiment_trend ?? [];
  const intent = j?.intent ?? null;
  const temperament = j?.temperament ?? null;
  if (!trend.length && !intent && !temperament) return null;
  return h("div", { class: "indicators", "data-testid": "indicators" },
    trend.length ? moodIndicator(trend) : null, intent ? intentIndicator(intent) : null,
    temperament ? temperamentIndicator(temperament) : null);
}
