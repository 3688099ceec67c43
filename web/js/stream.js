// The agent's websocket, held open all shift: resume after any drop with the last seq (and epoch) seen, back
// off exponentially between attempts, and queue what the panel sends while offline. Each connection opens
// with a single-use ticket (POST /v1/stream-tickets), so the bearer token never goes into a URL.
//
// Seqs count within an epoch: a frame of another epoch means the server's numbering started over (its Redis
// lost the stream), so what the panel shows as live is stale and every seq from 1 on is new.
//
// Events (EventTarget): "message" (detail: envelope, after duplicates are dropped), "state" (detail:
// {state, retryAt, attempt}), "restart" (detail: {epoch}: clear what is shown as live, then take what
// follows), "unauthorized" (detail: {code, detail}); the stream stops after that one.

import { ApiClient } from "./api.js";

const PING_EVERY_MS = 20_000;
const SILENCE_LIMIT_MS = 10_000;   // no pong (or anything) this long after a ping: the link is dead
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 15_000;
const QUEUE_LIMIT = 100;
const REFUSED = new Set(["unauthorized", "other_agent", "token_expired", "invalid_token"]);

export class AgentStream extends EventTarget {
  /** `agentId` and `token` name the stream; `base` is the page's location (ws[s]://host). */
  constructor({ agentId, token, base = location }) {
    super();
    this.agentId = agentId;
    this.token = token;
    this.wsBase = `${base.protocol === "https:" ? "wss" : "ws"}://${base.host}`;
    this.seqKey = `assist.seq.${agentId}`;
    this.epochKey = `assist.epoch.${agentId}`;
    const saved = sessionStorage.getItem(this.seqKey);
    this.lastSeq = saved === null ? null : Number(saved);
    this.epoch = sessionStorage.getItem(this.epochKey);   // what lastSeq counts in (null: not known yet)
    this.api = new ApiClient(token);
    this.state = "idle";
    this.ws = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.silenceTimer = null;
    this.holdUntil = 0;
    this.queue = [];
    this.counter = 0;
    this.stopped = true;
    this.connecting = false;
    this.everOnline = false;
    this.refused = null;
    this.serverSkew = 0;   // server clock minus ours, seconds (from hello), for offer countdowns
  }

  /** Open the stream (and keep it open until stop()). */
  start() {
    this.stopped = false;
    this.connect();
  }

  /** Close for good (sign-out): no reconnect, queue dropped. */
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    this.queue = [];
    if (this.ws) this.ws.close(1000, "signed out");
    this.ws = null;
    this.setState("idle");
  }

  /** Forget the resume point (a new sign-in starts fresh). */
  resetSeq() {
    this.lastSeq = null;
    this.epoch = null;
    sessionStorage.removeItem(this.seqKey);
    sessionStorage.removeItem(this.epochKey);
  }

  /**
   * Send a panel message; returns its id (replies name it in `in_reply_to`). While offline the message
   * waits in a bounded queue and goes out right after the next hello.
   */
  send(type, data = {}) {
    const id = `m${++this.counter}-${Math.random().toString(36).slice(2, 8)}`;
    const frame = JSON.stringify({ type, id, data });
    if (this.state === "online" && this.ws?.readyState === WebSocket.OPEN) this.ws.send(frame);
    else if (this.queue.length < QUEUE_LIMIT) this.queue.push(frame);
    else return null;
    return id;
  }

  /** How many messages wait to be sent. */
  get queued() { return this.queue.length; }

  /**
   * Drop the connection as a network failure would, and reconnect automatically no sooner than `holdMs`
   * later (diagnostics and end-to-end tests: "what happens when the link goes away for a while").
   */
  drop(holdMs = 0) {
    this.holdUntil = Date.now() + holdMs;
    if (this.ws) this.ws.close(4000, "dropped by the panel");
  }

  /** Now, by the server's clock (epoch seconds). */
  serverNow() {
    return Date.now() / 1000 + this.serverSkew;
  }

  // ---- internals ------------------------------------------------------------------------------

  async connect() {
    if (this.stopped || this.connecting) return;
    this.connecting = true;
    try {
      await this.open();
    } finally {
      this.connecting = false;
    }
  }

  async open() {
    clearTimeout(this.retryTimer);
    this.setState(this.everOnline ? "reconnecting" : "connecting");
    let ticket;
    try {
      ticket = (await this.api.post("/v1/stream-tickets")).ticket;
    } catch (err) {
      if (err.status === 401 || err.status === 403) this.refuse({ code: err.code, detail: err.message });
      else this.scheduleReconnect();
      return;
    }
    if (this.stopped || this.ws) return;
    // batch=1: each step's messages come as one frame holding a JSON array (an event's ack, journey card and
    // prompt are then one socket write and one wake-up instead of three).
    const params = new URLSearchParams({ ticket, batch: "1" });
    if (this.lastSeq !== null) params.set("resume_from", String(this.lastSeq));
    if (this.lastSeq !== null && this.epoch !== null) params.set("epoch", this.epoch);
    let ws;
    try {
      ws = new WebSocket(`${this.wsBase}/v1/agents/${encodeURIComponent(this.agentId)}/stream?${params}`);
    } catch (err) {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener("message", (event) => this.onMessage(ws, event));
    ws.addEventListener("close", (event) => this.onClose(ws, event));
  }

  onMessage(ws, event) {
    if (ws !== this.ws) return;
    this.heard();
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    for (const message of Array.isArray(frame) ? frame : [frame]) {
      if (ws !== this.ws) return;   // a handler of an earlier message of this frame stopped the stream
      this.onOne(message);
    }
  }

  onOne(message) {
    if (message === null || typeof message !== "object") return;
    if (message.type === "hello") {
      this.onHello(message);
      return;
    }
    if (message.type === "error" && REFUSED.has(message.data?.code) && this.state !== "online") {
      this.refused = message.data;
      return;
    }
    if (typeof message.seq === "number") {
      const epoch = message.epoch ?? null;
      if (epoch !== this.epoch) {
        // Numbering started over: nothing of the new epoch was shown yet, however low its seqs.
        if (this.epoch !== null || (this.lastSeq ?? 0) > 0) this.restart(epoch);
        else this.saveEpoch(epoch);
      }
      if (this.lastSeq !== null && message.seq <= this.lastSeq) return;   // already shown: resume overlap
      this.dispatchEvent(new CustomEvent("message", { detail: message }));
      this.lastSeq = message.seq;
      sessionStorage.setItem(this.seqKey, String(message.seq));   // after it was handled, never before
      return;
    }
    this.dispatchEvent(new CustomEvent("message", { detail: message }));
  }

  onHello(message) {
    const data = message.data || {};
    if (typeof data.server_time === "number") this.serverSkew = data.server_time - Date.now() / 1000;
    const epoch = data.epoch ?? null;
    if (this.lastSeq === null) {
      // First connection: start from now, replay nothing.
      this.lastSeq = data.last_seq ?? 0;
      sessionStorage.setItem(this.seqKey, String(this.lastSeq));
      this.saveEpoch(epoch);
    } else if (epoch !== this.epoch || (typeof data.last_seq === "number" && data.last_seq < this.lastSeq)) {
      // The server's numbering started over since we last saw it (its Redis lost the stream, or it expired):
      // it replays everything it holds now, after a resume_gap error. (No epoch and nothing seen yet: there
      // was nothing to start over from.)
      if (this.epoch !== null || this.lastSeq > 0) this.restart(epoch);
      else this.saveEpoch(epoch);
    }
    this.attempt = 0;
    this.everOnline = true;
    this.setState("online", { resumedFrom: data.resumed_from ?? null });
    this.dispatchEvent(new CustomEvent("message", { detail: message }));
    const waiting = this.queue.splice(0);
    for (const frame of waiting) this.ws.send(frame);
    this.startHeartbeat();
  }

  /** A new epoch: forget the resume point and tell the panel to clear what it shows as live. */
  restart(epoch) {
    this.lastSeq = 0;
    sessionStorage.setItem(this.seqKey, "0");
    this.saveEpoch(epoch);
    this.dispatchEvent(new CustomEvent("restart", { detail: { epoch } }));
  }

  saveEpoch(epoch) {
    this.epoch = epoch;
    if (epoch === null) sessionStorage.removeItem(this.epochKey);
    else sessionStorage.setItem(this.epochKey, epoch);
  }

  /** The server refused our credentials: stop for good and say so. */
  refuse(detail) {
    this.stopped = true;
    this.ws = null;
    this.setState("idle");
    this.dispatchEvent(new CustomEvent("unauthorized", { detail }));
  }

  onClose(ws, event) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.stopHeartbeat();
    if (this.stopped) return;
    const refused = this.refused || (event.code === 1008 && REFUSED.has(event.reason) ? { code: event.reason } : null);
    this.refused = null;
    // A refused ticket (spent, or lost with the server's Redis) is retried with a new one: the ticket request
    // is what checks the token, and it answers 401 when the token itself is no good.
    if (refused && refused.code !== "unauthorized") {
      this.refuse(refused);
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.stopped) return;
    const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    const delay = Math.max(jittered, this.holdUntil - Date.now());
    this.attempt += 1;
    this.setState("offline", { retryAt: Date.now() + delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Reconnect now (the browser says the network is back, or the user asked). */
  retryNow() {
    if (this.stopped || this.ws || this.connecting || Date.now() < this.holdUntil) return;
    this.connect();
  }

  startHeartbeat() {
    this.stopHeartbeat();
    this.pingTimer = setInterval(() => {
      if (this.ws?.readyState !== WebSocket.OPEN) return;
      this.ws.send(JSON.stringify({ type: "ping", id: `ping${++this.counter}`, data: {} }));
      clearTimeout(this.silenceTimer);
      this.silenceTimer = setTimeout(() => this.ws?.close(4001, "no answer to ping"), SILENCE_LIMIT_MS);
    }, PING_EVERY_MS);
  }

  heard() {
    clearTimeout(this.silenceTimer);
  }

  stopHeartbeat() {
    clearInterval(this.pingTimer);
    clearTimeout(this.silenceTimer);
  }

  setState(state, extra = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, attempt: this.attempt, ...extra } }));
  }
}
