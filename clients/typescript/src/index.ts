// The pack's API for TypeScript outside the plugin (scripts, dashboards, other tools): the types
// generated from the server's OpenAPI document (frontend/src/api/*.gen.ts: one source of truth
// with the plugin's own client), openapi-fetch over them, and the websocket's events typed.
// Runs on Node >= 22.18 as it is (type stripping), in browsers, Deno and Bun.
import createClient, { type Client } from "openapi-fetch";

import {
  SERVER_EVENTS,
  type ServerEventName,
  type ServerEventPayloads,
} from "../../../frontend/src/api/events.gen.ts";
import type { components, paths } from "../../../frontend/src/api/schema.gen.ts";

export type { components, paths, ServerEventName, ServerEventPayloads };
/** Every model of the API by name: `Schemas["MonitorStatus"]`, `Schemas["WorkflowRecord"]`... */
export type Schemas = components["schemas"];
export type SwissArmyKnifeClient = Client<paths>;

/**
 * A typed client of a ComfyUI (or the pack's standalone host) at `baseUrl`: `client.GET(path, ...)`
 * with the path, its parameters and the reply typed from the OpenAPI document. Requests go under
 * `/api` as ComfyUI's own page sends them (what a proxy that maps `/api` only lets through).
 */
export function createSwissArmyKnifeClient(baseUrl: string, init: { headers?: HeadersInit } = {}): SwissArmyKnifeClient {
  return createClient<paths>({ baseUrl: `${baseUrl.replace(/\/+$/, "")}/api`, headers: init.headers });
}

/** One of the pack's websocket events: its name and its typed payload. */
export type ServerEvent = { [K in ServerEventName]: { name: K; data: ServerEventPayloads[K] } }[ServerEventName];

/**
 * The pack's events from ComfyUI's websocket (`/ws`), until `signal` aborts or the socket closes;
 * ComfyUI's own events are skipped. An open socket counts as a page looking: the monitor samples
 * at its interval meanwhile. Needs a global WebSocket (Node >= 22, browsers).
 */
export async function* liveEvents(baseUrl: string, signal?: AbortSignal): AsyncGenerator<ServerEvent> {
  const url = `${baseUrl.replace(/^http/, "ws").replace(/\/+$/, "")}/ws?clientId=${crypto.randomUUID()}`;
  const socket = new WebSocket(url);
  const queue: ServerEvent[] = [];
  let wake: (() => void) | null = null;
  let open = true;
  const notify = () => {
    wake?.();
    wake = null;
  };
  socket.addEventListener("message", (message: MessageEvent) => {
    if (typeof message.data !== "string") return;
    let frame: { type?: unknown; data?: unknown };
    try {
      frame = JSON.parse(message.data) as { type?: unknown; data?: unknown };
    } catch {
      return;
    }
    if (typeof frame.type === "string" && frame.type in SERVER_EVENTS) {
      queue.push({ name: frame.type, data: frame.data } as ServerEvent);
      notify();
    }
  });
  const close = () => {
    open = false;
    notify();
  };
  socket.addEventListener("close", close);
  socket.addEventListener("error", close);
  signal?.addEventListener("abort", () => {
    socket.close();
    close();
  });
  try {
    while (open || queue.length > 0) {
      const next = queue.shift();
      if (next) yield next;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    socket.close();
  }
}
