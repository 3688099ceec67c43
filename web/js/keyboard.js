// Single-key shortcuts (A, D, N, M...). They never fire while typing in a field or with a modifier held,
// and the user can switch them off (WCAG 2.1.4): the choice is remembered in localStorage.

const STORAGE_KEY = "assist.shortcuts";

function typing(target) {
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
}

/**
 * Call `handlers[key]` for a bare key press (key in lower case, or "?"); `toggle` is a checkbox that turns
 * the shortcuts on and off. Returns a function that unbinds them.
 */
export function bindShortcuts(handlers, toggle) {
  if (toggle) {
    toggle.checked = localStorage.getItem(STORAGE_KEY) !== "off";
    toggle.addEventListener("change", () => localStorage.setItem(STORAGE_KEY, toggle.checked ? "on" : "off"));
  }
  const onKey = (event) => {
    if (toggle && !toggle.checked) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || typing(event.target)) return;
    const handler = handlers[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!handler) return;
    event.preventDefault();
    handler(event);
  };
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
