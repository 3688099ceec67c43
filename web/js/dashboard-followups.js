// Follow-ups: contacts that closed as detractors (a low CSAT, a complaint or "follow-up needed" wrap-up), each
// with its journey (id, reason, agent, the contact's summary) and why it was opened, oldest first. Read from
// REST on the dashboard's refresh loop like agents' requests; a supervisor takes one ("Assign to me") or closes
// it with a note, both audited. One closed by someone else meanwhile comes back 409 and leaves the list.

import { duration, fill, h, keepingFocus, sentence, words } from "./dom.js";

const sending = new Set();   // items whose change is on its way: their buttons wait

/** Load and show the open follow-ups in `root` (of `team`'s agents when given, as the dashboard's team filter
 * says); `status` is the section's live region for what was done. */
export async function loadFollowUps(api, root, status, team = "") {
  let listed;
  const query = new URLSearchParams({ status: "open" });
  if (team) query.set("team", team);
  try {
    listed = (await api.get(`/v1/supervision/follow-ups?${query}`)).follow_ups;
  } catch (err) {
    const why = err.status === 403 ? "Only supervisors see and work follow-ups."
      : `Follow-ups unavailable: ${err.message}`;
    fill(root, h("p", { class: err.status === 403 ? "muted" : "notice notice-warn", text: why }));
    return;
  }
  const now = Date.now() / 1000;
  keepingFocus(() => fill(root, listed.length
    ? h("ul", { class: "requests", "data-testid": "follow-ups" },
      listed.map((f) => followUpCard(f, now, (action) => change(api, root, status, f, action, team))))
    : h("p", { class: "muted", text: "No detractor contact to follow up." })));
}

function customerOf(f) {
  const c = f.customer || {};
  if (!c.name) return "customer not identified";
  return `${c.name}${c.account_number ? ` (account ${c.account_number})` : ""}`;
}

function followUpCard(f, now, onChange) {
  const titleId = `follow-up-title-${f.id}`;
  const noteId = `follow-up-note-${f.id}`;
  const title = `${f.why.join(" · ")}: ${customerOf(f)}`;
  return h("li", { class: "request request-follow-up", "aria-labelledby": titleId, "data-follow-up-id": f.id },
    h("h3", { id: titleId, text: title }),
    h("p", { class: "small" },
      h("span", { class: "badge badge-warn", text: "Follow-up" }),
      ` ${f.agent_id} · ${sentence(f.channel)} · ${words(f.contact_reason)}` +
      (f.outcome ? ` · ${words(f.outcome)}` : "") + ` · closed ${duration(now - Date.parse(f.created_at) / 1000)} ago`),
    h("p", { class: "small", "data-testid": "follow-up-journey" }, "Journey ",
      h("span", { class: "mono", text: f.journey_id || "none" }),
      f.assignee ? ` · assigned to ${f.assignee}` : ""),
    h("p", { class: "small", "data-testid": "follow-up-summary", text: `Summary: ${f.summary || "none recorded"}` }),
    f.note ? h("p", { class: "small", text: `Note: ${f.note}` }) : null,
    h("div", { class: "field" },
      h("label", { for: noteId, text: "Note" }),
      h("input", { id: noteId, "data-focus": `follow-up-note:${f.id}`, autocomplete: "off", maxlength: "1000" })),
    h("div", { class: "row", role: "group", "aria-label": `Follow-up: ${title}` },
      h("button", { type: "button", "data-follow-up-action": "assign", "data-focus": `follow-up-assign:${f.id}`,
                    disabled: sending.has(f.id), on: { click: () => onChange("assign") } }, "Assign to me"),
      h("button", { type: "button", class: "primary", "data-follow-up-action": "close",
                    "data-focus": `follow-up-close:${f.id}`, disabled: sending.has(f.id),
                    on: { click: () => onChange("close") } }, "Close")));
}

async function change(api, root, status, f, action, team) {
  const note = document.getElementById(`follow-up-note-${f.id}`)?.value ?? "";
  sending.add(f.id);
  root.querySelectorAll(`[data-follow-up-id="${CSS.escape(f.id)}"] button`).forEach((b) => { b.disabled = true; });
  try {
    const done = await api.post(`/v1/supervision/follow-ups/${encodeURIComponent(f.id)}`, { action, note });
    status.textContent = action === "close" ? `Closed the follow-up of ${customerOf(f)}.`
      : `Assigned the follow-up of ${customerOf(f)} to ${done.assignee}.`;
  } catch (err) {
    status.textContent = err.status === 409 ? `Someone already closed the follow-up of ${customerOf(f)}.`
      : `Not sent: ${err.message}`;
  } finally {
    sending.delete(f.id);
  }
  await loadFollowUps(api, root, status, team);
}
