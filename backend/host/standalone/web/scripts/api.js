// @ts-check
// Standalone host shim of ComfyUI's `api` (scripts/api.js): the subset the extension uses.
// Events arrive as {type, data} frames on /ws and are dispatched as CustomEvent(type, {detail: data}),
// like ComfyUI; "reconnecting" / "reconnected" fire around a dropped socket.

class ComfyApiShim extends EventTarget {
  constructor() {
    super();
    /** @type {string} */
    this.api_base = location.pathname.replace(/\/[^/]*$/, "");
    /** @type {string | null} */
    this.clientId = null;
    /** @type {WebSocket | null} */
    this.socket = null;
    this.reconnectDelayMs = 300;
    this._everConnected = false;
  }

  /** @param {string} route */
  apiURL(route) {
    return `${this.api_base}/api${route}`;
  }

  /**
   * @param {string} route
   * @param {RequestInit} [init]
   */
  fetchApi(route, init) {
    return fetch(this.apiURL(route), { cache: "no-cache", ...init });
  }

  init() {
    this._connect();
  }

  _connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = this.clientId ? `?clientId=${encodeURIComponent(this.clientId)}` : "";
    const socket = new WebSocket(`${scheme}://${location.host}${this.api_base}/ws${query}`);
    this.socket = socket;
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      if (this._everConnected) this.dispatchEvent(new CustomEvent("reconnected"));
      this._everConnected = true;
      this.reconnectDelayMs = 300;
    });
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      const frame = JSON.parse(event.data);
      if (frame.type === "status" && frame.data?.sid) this.clientId = frame.data.sid;
      // Like ComfyUI's api: `executing` arrives as {node, display_node, prompt_id} and is dispatched
      // as the bare node id (null when the prompt is done).
      const detail =
        frame.type === "executing" && frame.data && typeof frame.data === "object"
          ? (frame.data.display_node ?? frame.data.node ?? null)
          : frame.data;
      this.dispatchEvent(new CustomEvent(frame.type, { detail }));
    });
    socket.addEventListener("close", () => {
      if (opened) this.dispatchEvent(new CustomEvent("reconnecting"));
      setTimeout(() => this._connect(), this.reconnectDelayMs);
      this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, 3000);
    });
  }
}

export const api = new ComfyApiShim();
window.comfyAPI = { ...(window.comfyAPI ?? {}), api: { api } };
