// Plain words for the ids that guidance, journeys and the simulator write into text: "[offer_refund_small]"
// becomes "offer a small refund", "'billing_dispute' touches the account" becomes "billing dispute touches
// the account". The catalog's titles come from GET /v1/words once signed in; until then ids become words.

import { words } from "./dom.js";

let known = { actions: {}, checklist: {} };

/** Take the server's word lists (`/v1/words`). */
export function setWords(lists) {
  known = { actions: lists?.actions ?? {}, checklist: lists?.checklist ?? {} };
}

/** The plain name of one id: its catalog title (lower-cased first letter), else its words. */
export function plainId(id) {
  const title = known.actions[id] ?? known.checklist[id];
  return title ? title[0].toLowerCase() + title.slice(1) : words(id);
}

// A snake_case id, optionally quoted or bracketed, never part of an e-mail address or a path.
const ID = /(\[|')?(?<![\w@./-])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w@])(\]|')?/g;

/** `text` with every snake_case id written as words; quotes and brackets around an id go with it. */
export function plain(text) {
  return String(text ?? "").replace(ID, (match, open, id, close) => {
    const wrapped = (open === "[" && close === "]") || (open === "'" && close === "'");
    const name = plainId(id);
    if (wrapped) return name;
    return `${open ?? ""}${name}${close ?? ""}`;
  });
}
