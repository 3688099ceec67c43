// Tokens: pasted by the user, kept in sessionStorage (gone when the tab closes), never sent anywhere but here.

const PREFIX = "assist.token.";

/** The token saved for `page` ("panel", "dashboard", "trainer"), or null. */
export function savedToken(page) {
  return sessionStorage.getItem(PREFIX + page);
}

export function saveToken(page, token) {
  sessionStorage.setItem(PREFIX + page, token);
}

export function forgetToken(page) {
  sessionStorage.removeItem(PREFIX + page);
}

/**
 * The token's claims ({sub, role, exp}) read client-side, without checking the signature (the server does);
 * throws Error ("This token is not valid…") when it is not a JWT naming a subject and a role. Reading `sub`
 * here lets the panel know its agent id before any call.
 */
export function readClaims(token) {
  const parts = String(token).trim().split(".");
  if (parts.length !== 3) throw new Error("This token is not valid: paste the whole token you were given.");
  let claims;
  try {
    const base64 = parts[1].replaceAll("-", "+").replaceAll("_", "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const json = new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
    claims = JSON.parse(json);
  } catch {
    claims = null;   // not base64 or not JSON: what the browser says about it (an atob error) helps nobody
  }
  if (!claims?.sub || !claims?.role) {
    throw new Error("This token is not valid: paste the whole token you were given.");
  }
  return claims;
}

/** True when the token's `exp` has passed (by this machine's clock). */
export function isExpired(claims) {
  return typeof claims.exp === "number" && claims.exp * 1000 < Date.now();
}

/**
 * Wire a sign-in form (`<form>` with a `textarea[name=token]` and an error element `[data-error]`).
 * `verify(token, claims)` may throw to refuse; on success `onSignedIn(token, claims, extra)` runs.
 * `roles` lists the roles this page admits.
 */
export function setupSignIn({ page, form, roles, verify, onSignedIn }) {
  const error = form.querySelector("[data-error]");
  const input = form.querySelector("textarea[name=token]");
  const showError = (text) => {
    error.textContent = text;
    error.hidden = !text;
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  };
  async function attempt(token, fromStorage) {
    let claims;
    try {
      claims = readClaims(token);
      if (isExpired(claims)) throw new Error("this token has expired; ask for a new one");
      if (roles && !roles.includes(claims.role)) {
        throw new Error(`this page is for ${roles.join(" or ")} tokens; this one is for role "${claims.role}"`);
      }
      const extra = verify ? await verify(token, claims) : undefined;
      saveToken(page, token.trim());
      showError("");
      form.hidden = true;
      onSignedIn(token.trim(), claims, extra);
    } catch (err) {
      forgetToken(page);
      form.hidden = false;
      if (!fromStorage) {
        showError(err.message);
        input.focus();
      }
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(input.value, false);
  });
  const saved = savedToken(page);
  if (saved) attempt(saved, true);
  else form.hidden = false;
}
