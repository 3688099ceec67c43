// Small DOM helpers: elements are built with textContent, never innerHTML, so server data cannot inject markup.

/**
 * Create an element. `props`: attributes (`class`, `aria-*`, `data-*`, `for`...), `text`, `hidden`,
 * and `on` = {event: handler}. Children may be strings, nodes, arrays, null or false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") el.textContent = String(value);
    else if (key === "on") for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (key === "hidden") el.hidden = Boolean(value);
    else if (key === "value") el.value = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** Append children to `el`, skipping null/false and flattening arrays (unlike Element.append). */
export function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace everything inside `el` with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** "identity_verified" -> "identity verified". */
export function words(name) {
  return String(name ?? "").replaceAll("_", " ");
}

/** "identity_verified" -> "Identity verified". */
export function sentence(name) {
  const text = words(name);
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

/** 0.953 -> "95%"; null -> "–". */
export function percent(value, digits = 0) {
  return value === null || value === undefined ? "–" : `${(value * 100).toFixed(digits)}%`;
}

/** Seconds to "42 s", "3 min 5 s", "2 h 4 min". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Epoch seconds (or ISO string) to a local clock time, e.g. "14:03". */
export function clock(when) {
  const date = typeof when === "number" ? new Date(when * 1000) : new Date(when);
  return isNaN(date) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** Epoch seconds (or ISO string) to a local date, e.g. "3 Nov 2026". */
export function day(when) {
  const date = typeof when === "number" ? new Date(when * 1000) : new Date(when);
  return isNaN(date) ? "" : date.toLocaleDateString([], { day: "numeric", month: "short", year: "numeric" });
}

/** Say `text` to screen readers through the page's polite live region (`#announcer`). */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A new text node in a later frame is what makes screen readers repeat an identical announcement.
  requestAnimationFrame(() => { region.textContent = text; });
}

/** `el.append(...)` that skips null/false and flattens arrays. */
export function add(el, ...children) {
  append(el, children);
  return el;
}

// Re-rendering from data replaces elements; what the user was doing must survive it. Elements carry a
// `data-focus` key; `keepingFocus` restores, by key, the focus (with the caret), the values of fields the
// user touched, which <details> were open (`data-open-key`), and where scrollable lists (`data-keep-scroll`) were scrolled.

document.addEventListener("input", (e) => e.target?.dataset && (e.target.dataset.touched = "1"), true);
document.addEventListener("change", (e) => e.target?.dataset && (e.target.dataset.touched = "1"), true);

/** Run `render` (which rebuilds parts of the page) without losing focus, typed text, open panels or scroll. */
export function keepingFocus(render) {
  const active = document.activeElement?.closest?.("[data-focus]");
  const focusKey = active?.dataset.focus;
  const caret = active && "selectionStart" in active ? [active.selectionStart, active.selectionEnd] : null;
  const values = new Map();
  for (const el of document.querySelectorAll("[data-focus][data-touched]")) values.set(el.dataset.focus, el.value);
  const open = new Map();
  for (const el of document.querySelectorAll("details[data-open-key]")) open.set(el.dataset.openKey, el.open);
  const scrolls = new Map();
  for (const el of document.querySelectorAll("[data-keep-scroll]")) {
    scrolls.set(el.dataset.keepScroll, { top: el.scrollTop, atEnd: el.scrollTop + el.clientHeight >= el.scrollHeight - 8 });
  }
  render();
  for (const [key, value] of values) {
    const el = document.querySelector(`[data-focus="${CSS.escape(key)}"]`);
    if (el && el.value !== value) el.value = value;
    if (el) el.dataset.touched = "1";
  }
  for (const [key, isOpen] of open) {
    const el = document.querySelector(`details[data-open-key="${CSS.escape(key)}"]`);
    if (el) el.open = isOpen;
  }
  for (const el of document.querySelectorAll("[data-keep-scroll]")) {
    const was = scrolls.get(el.dataset.keepScroll);
    el.scrollTop = !was || was.atEnd ? el.scrollHeight : was.top;
  }
  if (!focusKey) return;
  const again = document.querySelector(`[data-focus="${CSS.escape(focusKey)}"]`);
  if (!again) return;
  if (again !== document.activeElement) again.focus();
  if (caret && "setSelectionRange" in again) {
    try { again.setSelectionRange(caret[0], caret[1]); } catch { /* not a text field */ }
  }
}

const NATURAL = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** Compare for sorting as people count: "A2" before "A10" (a plain sort gives A1, A10, A11, A2). */
export function naturalCompare(a, b) {
  return NATURAL.compare(String(a ?? ""), String(b ?? ""));
}
