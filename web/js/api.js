// REST client: bearer token in, JSON out; a refusal becomes an ApiError carrying the problem body's code.

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail || `request failed (${status})`);
    this.status = status;
    this.code = code;
  }
}

export class ApiClient {
  constructor(token, base = "") {
    this.token = token;
    this.base = base;
  }

  async request(method, path, body) {
    const headers = { Accept: "application/json", Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(this.base + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, "network_error", "the service cannot be reached");
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!response.ok) {
      throw new ApiError(response.status, data?.code || "http_error",
        data?.detail && typeof data.detail === "string" ? data.detail : `${method} ${path} answered ${response.status}`);
    }
    return data;
  }

  get(path) { return this.request("GET", path); }
  post(path, body = {}) { return this.request("POST", path, body); }
  put(path, body = {}) { return this.request("PUT", path, body); }
  delete(path) { return this.request("DELETE", path); }
}

/** Sign-in check shared by every page: a token the server refuses (401) is reported; other failures
 * (server down) let the page open in its offline state. Returns /v1/me, or null when unreachable. */
export async function verifyToken(token) {
  try {
    return await new ApiClient(token).get("/v1/me");
  } catch (err) {
    if (err.status === 401) throw new Error("The server refused this token (expired or not valid).");
    return null;
  }
}
