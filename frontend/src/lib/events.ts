// The events the stores follow, in our own types: host/events.ts reads them out of ComfyUI's
// websocket events (whose shapes only it knows) and hands them over through HostEvents.
import type { ServerEventName, ServerEventPayloads } from "../api/types";
import type { QueueSummary } from "./queue";

export type { ServerEventName };

export type Unsubscribe = () => void;

/** A prompt started, moved to a node, or ended (ComfyUI's execution_* and executing events). */
export type ExecutionEvent =
  | { type: "execution_start"; promptId: string | null }
  /** `executing`: the node id now running; null when the prompt is done. */
  | { type: "executing"; node: string | null }
  | { type: "execution_success" | "execution_error" | "execution_interrupted" };

/** The websocket dropped (ComfyUI retries) or is back. */
export type ConnectionEvent = "reconnecting" | "reconnected";

// The names the stores follow; `satisfies` checks them against the generated list of events.
export const MONITOR_EVENT = "swissarmyknife.monitor" satisfies ServerEventName;
export const RESTART_EVENT = "swissarmyknife.restart" satisfies ServerEventName;

/** The plugin's own websocket events, by name, with their payloads (generated from the backend's schemas). */
export type ServerEvents = ServerEventPayloads;

export interface HostEvents {
  onExecution(listener: (event: ExecutionEvent) => void): Unsubscribe;
  /** ComfyUI's `status` event: how many prompts are running or queued. */
  onQueue(listener: (queue: QueueSummary) => void): Unsubscribe;
  onConnection(listener: (event: ConnectionEvent) => void): Unsubscribe;
  /** One of our events; a frame whose payload does not have the event's shape never reaches the listener. */
  onServerEvent<K extends ServerEventName>(name: K, listener: (payload: ServerEvents[K]) => void): Unsubscribe;
}
