// ComfyUI's websocket events read into our own typed events (lib/events.ts): the only code that
// knows how ComfyUI dispatches them. Our own events are checked against the table generated from
// the backend's schemas (api/events.gen.ts); a frame of an unexpected shape is dropped, never
// thrown into ComfyUI's event dispatch.
import { SERVER_EVENTS } from "../api/events.gen";
import {
  MONITOR_EVENT,
  OOM_EVENT,
  OOM_RISK_EVENT,
  RESTART_EVENT,
  VRAM_PRESSURE_EVENT,
  type ConnectionEvent,
  type ExecutionEvent,
  type HostEvents,
  type ServerEventName,
  type ServerEvents,
  type Unsubscribe,
} from "../lib/events";
import { queueFromRemaining, type QueueSummary } from "../lib/queue";

/** One of ComfyUI's api events by name, its detail as dispatched (host/comfy.ts's onApiEvent). */
export type RawSubscribe = (type: string, listener: (detail: unknown) => void) => Unsubscribe;

export const EXECUTION_EVENT_TYPES = [
  "execution_start",
  "execution_cached",
  "executing",
  "progress",
  "execution_success",
  "execution_error",
  "execution_interrupted",
] as const;
type ExecutionEventType = (typeof EXECUTION_EVENT_TYPES)[number];

const CONNECTION_EVENT_TYPES = ["reconnecting", "reconnected"] as const satisfies readonly ConnectionEvent[];

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
}

function promptIdOf(detail: unknown): string | null {
  const id = record(detail)?.["prompt_id"];
  return typeof id === "string" ? id : null;
}

/** An execution event's detail as ours; whatever shape the detail has, never throws. */
export function toExecutionEvent(type: ExecutionEventType, detail: unknown): ExecutionEvent {
  switch (type) {
    case "execution_start":
      return { type, promptId: promptIdOf(detail) };
    case "execution_cached": {
      const nodes = record(detail)?.["nodes"];
      const ids = Array.isArray(nodes) ? nodes.filter((n) => typeof n === "string" || typeof n === "number").map(String) : [];
      return { type, promptId: promptIdOf(detail), nodes: ids };
    }
    case "progress": {
      // {value, max, node, prompt_id}: the node's own steps; a malformed one reads as no progress.
      const fields = record(detail);
      const value = fields?.["value"];
      const max = fields?.["max"];
      const node = fields?.["node"];
      return {
        type,
        node: typeof node === "string" || typeof node === "number" ? String(node) : null,
        value: typeof value === "number" && Number.isFinite(value) ? value : 0,
        max: typeof max === "number" && Number.isFinite(max) && max > 0 ? max : 1,
      };
    }
    case "executing": {
      // Frontends dispatch the node id; an object {node} is accepted too (older shims, raw frames).
      if (typeof detail === "string" || typeof detail === "number") return { type, node: String(detail) };
      const node = record(detail)?.["node"];
      return { type, node: typeof node === "string" || typeof node === "number" ? String(node) : null };
    }
    default:
      return { type };
  }
}

/** ComfyUI's `status` event detail is `{exec_info: {queue_remaining}}` (the standalone shim nests it in `status`). */
export function queueFromStatusEvent(detail: unknown): QueueSummary | null {
  const outer = record(detail);
  const status = record(outer?.["exec_info"]) ? outer : record(outer?.["status"]);
  const remaining = record(status?.["exec_info"])?.["queue_remaining"];
  if (typeof remaining !== "number" || !Number.isFinite(remaining)) return null;
  return queueFromRemaining(Math.max(0, Math.round(remaining)));
}

// What the stores read of a payload beyond its `type`, checked too: a frame is data off the network.
const FIELDS_READ: { [K in ServerEventName]?: (event: Record<string, unknown>) => boolean } = {
  [MONITOR_EVENT]: (event) => typeof event["capabilities_version"] === "number" && Array.isArray(record(event["snapshot"])?.["gpus"]),
  [RESTART_EVENT]: (event) => typeof event["message"] === "string",
  [VRAM_PRESSURE_EVENT]: (event) =>
    typeof event["prompt_id"] === "string" && ["normal", "warning", "critical"].includes(event["level"] as string),
  [OOM_EVENT]: (event) => typeof event["prompt_id"] === "string" && Array.isArray(event["loaded_models"]),
  [OOM_RISK_EVENT]: (event) => {
    const risk = record(event["risk"]);
    return typeof risk?.["message"] === "string" && Array.isArray(risk["models_to_unload"]);
  },
};

/** Whether a frame sent as `name` is that event: its `type` discriminant (from the generated table) and the fields read. */
export function isServerEvent<K extends ServerEventName>(name: K, value: unknown): value is ServerEvents[K] {
  const event = record(value);
  return event !== null && event["type"] === SERVER_EVENTS[name] && (FIELDS_READ[name]?.(event) ?? true);
}

function all(unsubscribes: Unsubscribe[]): Unsubscribe {
  return () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
}

export function createHostEvents(subscribe: RawSubscribe): HostEvents {
  return {
    onExecution: (listener) =>
      all(EXECUTION_EVENT_TYPES.map((type) => subscribe(type, (detail) => listener(toExecutionEvent(type, detail))))),
    onQueue: (listener) =>
      subscribe("status", (detail) => {
        const queue = queueFromStatusEvent(detail);
        if (queue) listener(queue);
      }),
    onConnection: (listener) => all(CONNECTION_EVENT_TYPES.map((type) => subscribe(type, () => listener(type)))),
    onServerEvent: (name, listener) =>
      subscribe(name, (detail) => {
        if (isServerEvent(name, detail)) listener(detail);
      }),
  };
}
