// Panel use, reported to the service for adoption analytics (the `panel_event` message): when the panel comes
// into view or goes out of it (the tab or window hidden) for each open contact, which card sections the agent
// opens, and which knowledge articles they read. Never in the way: reported only while online (a stretch
// missed offline is closed by the next report, and every hello reports the current state again), never
// queued, and a refusal is not shown to the agent.

let send = () => null;
let openSessions = () => [];
let activeSession = () => null;
const reported = new Map();   // session id -> the visibility last reported for it

function visibility() {
  return document.visibilityState === "hidden" ? "panel_hidden" : "panel_visible";
}

function report(sessionId, kind, ref = "") {
  if (!sessionId) return;
  send("panel_event", { session_id: sessionId, kind, ref: ref.slice(0, 64).replace(/[^A-Za-z0-9_.:-]/g, "_") });
}

/** Report the current visibility for every open contact whose last report differs (or all, when `again`). */
export function syncPanelUse(again = false) {
  const now = visibility();
  const open = new Set(openSessions());
  for (const id of open) {
    if (again || reported.get(id) !== now) {
      reported.set(id, now);
      report(id, now);
    }
  }
  for (const id of [...reported.keys()]) if (!open.has(id)) reported.delete(id);
}

/** A knowledge article opened (from a prompt or from the search) on the contact shown. */
export function articleViewed(articleId) {
  report(activeSession(), "article_view", articleId);
}

/**
 * Start reporting. `sendOnline(type, data)` sends a message when the stream is online and returns whether it
 * did; `sessions()` gives the open contacts' ids; `active()` the contact shown.
 */
export function setupPanelUse({ sendOnline, sessions, active }) {
  send = sendOnline;
  openSessions = sessions;
  activeSession = active;
  document.addEventListener("visibilitychange", () => syncPanelUse());
  // A card section opened by the agent (a click on its summary while it is closed); re-renders that restore
  // an open section fire no click, so they are not counted again.
  document.addEventListener("click", (event) => {
    const summary = event.target.closest?.("details[data-open-key] > summary");
    const details = summary?.parentElement;
    if (!details || details.open) return;
    report(activeSession(), "card_view", details.dataset.openKey.split(":")[0]);
  }, true);
}
