// Agents' requests for the supervisor: approvals a guardrail required (a refund above the agent's limit) and
// raised hands, oldest first. The list is read from REST on the dashboard's refresh loop (every few seconds):
// any supervisor may answer any request, and the table in SQL is the one truth, so a missed update or a
// reload costs nothing. An answer goes to the agent's panel through their stream; a request someone else
// answered first comes back 409 and leaves the list.

import { duration, fill, h, keepingFocus, sentence, words } from "./dom.js";

const VERDICTS = { approval: [["approved", "Approve", "primary"], ["refused", "Refuse", ""]],
                   help: [["acknowledged", "Acknowledge", "primary"]] };

const sending = new Set();   // requests whose answer is on its way: their buttons wait

/** Load and show the pending requests in `root`; `status` is the section's live region for what was done. */
export async function loadRequests(api, root, status) {
  let listed;
  try {
    listed = (await api.get("/v1/supervision/requests")).requests;
  } catch (err) {
    const why = err.status === 403 ? "Only supervisors see and answer agents' requests."
      : `Requests unavailable: ${err.message}`;
    fill(root, h("p", { class: err.status === 403 ? "muted" : "notice notice-warn", text: why }));
    return;
  }
  const now = Date.now() / 1000;
  keepingFocus(() => fill(root, listed.length
    ? h("ul", { class: "requests", "data-testid": "requests" },
      listed.map((r) => requestCard(r, now, (verdict) => decide(api, root, status, r, verdict))))
    : h("p", { class: "muted", text: "No agent is waiting for you." })));
}

function requestCard(r, now, onDecide) {
  const titleId = `request-title-${r.id}`;
  const customer = r.customer?.name ? `${r.customer.name}${r.customer.account_number ? ` (account ${r.customer.account_number})` : ""}`
    : "customer not identified";
  const title = r.kind === "approval"
    ? `Refund ${Number(r.amount).toFixed(2)} for ${customer}` : `Raised hand: ${customer}`;
  const noteId = `request-note-${r.id}`;
  return h("li", { class: `request request-${r.kind}`, "aria-labelledby": titleId, "data-request-id": r.id,
                   "data-kind": r.kind },
    h("h3", { id: titleId, text: title }),
    h("p", { class: "small" },
      h("span", { class: `badge ${r.kind === "approval" ? "badge-warn" : "badge-info"}`,
                  text: r.kind === "approval" ? "Approval" : "Help" }),
      ` ${r.agent_id} · ${sentence(r.channel)} · ${words(r.contact_reason)} · waiting ${duration(now - Date.parse(r.created_at) / 1000)}`),
    r.reason ? h("p", { class: "small", text: r.kind === "approval" ? `Why: ${r.reason}` : `Note: ${r.reason}` }) : null,
    h("div", { class: "field" },
      h("label", { for: noteId, text: "Note for the agent" }),
      h("input", { id: noteId, "data-focus": `request-note:${r.id}`, autocomplete: "off", maxlength: "1000" })),
    h("div", { class: "row", role: "group", "aria-label": `Answer: ${title}` },
      VERDICTS[r.kind].map(([verdict, label, cls]) => h("button", {
        type: "button", class: cls || null, "data-verdict": verdict, "data-focus": `request-${verdict}:${r.id}`,
        disabled: sending.has(r.id), on: { click: () => onDecide(verdict) } }, label))));
}

async function decide(api, root, status, r, verdict) {
  const note = document.getElementById(`request-note-${r.id}`)?.value ?? "";
  sending.add(r.id);
  root.querySelectorAll(`[data-request-id="${CSS.escape(r.id)}"] button`).forEach((b) => { b.disabled = true; });
  try {
    await api.post(`/v1/supervision/requests/${encodeURIComponent(r.id)}/decision`, { verdict, note });
    const what = r.kind === "approval" ? `refund ${Number(r.amount).toFixed(2)}` : "raised hand";
    status.textContent = `${sentence(verdict)}: ${what} of ${r.agent_id}.`;
  } catch (err) {
    status.textContent = err.status === 409 ? `Another supervisor already answered ${r.agent_id}'s request.`
      : `Not sent: ${err.message}`;
  } finally {
    sending.delete(r.id);
  }
  await loadRequests(api, root, status);
}
