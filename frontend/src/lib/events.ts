// The events the stores follow, in our own types: host/events.ts reads them out of ComfyUI's
// websocket events (whose shapes only it knows) and hands them over through HostEvents.
import type { ServerEventName, ServerEventPayloads } from "../api/types";
import type { QueueSummary } from "./queue";

export type { ServerEventName };

export type Unsubscribe = () => void;

/** A prompt started, moved to a node, made progress, or ended (ComfyUI's execution_*, executing and progress events). */
export type ExecutionEvent =
  | { type: "execution_start"; promptId: string | null }
  /** `execution_cached`: the nodes the prompt takes from the cache (they never run). */
  | { type: "execution_cached"; promptId: string | null; nodes: string[] }
  /** `executing`: the node id now running; null when the prompt is done. */
  | { type: "executing"; node: string | null }
  /** `progress`: the running node's own steps (a sampler's), `value` of `max`. */
  | { type: "progress"; node: string | null; value: number; max: number }
  | { type: "execution_success" | "execution_error" | "execution_interrupted" };

/** A prompt this page queued (ComfyUI answered its POST /prompt), as host/workflows.ts learns it. */
export interface QueuedPrompt {
  promptId: string;
  /** Nodes in the queued prompt (its `output`); null when the call did not carry one we could read. */
  nodeCount: number | null;
  /** The open tab's saved workflow name; null for an unsaved (temporary) workflow or when unknown. */
  workflowName: string | null;
}

/** The websocket dropped (ComfyUI retries) or is back. */
export type ConnectionEvent = "reconnecting" | "reconnected";

// The names the stores follow; `satisfies` checks them against the generated list of events.
export const MONITOR_EVENT = "swissarmyknife.monitor" satisfies ServerEventName;
export const RESTART_EVENT = "swissarmyknife.restart" satisfies ServerEventName;
/** A workflow finished and was stored (its summary). */
export const PROFILER_EVENT = "swissarmyknife.profiler" satisfies ServerEventName;
/** History changed other than by a new run (cleared, archived, an archive loaded): every view reads again. */
export const HISTORY_EVENT = "swissarmyknife.profiler.history" satisfies ServerEventName;
/** A run's VRAM in use before a node crossed the warning or critical level, either way (node_id null: the run ended). */
export const VRAM_PRESSURE_EVENT = "swissarmyknife.profiler.vram_pressure" satisfies ServerEventName;
/** An out-of-memory error was captured and stored (its summary; the whole capture from oom_events). */
export const OOM_EVENT = "swissarmyknife.profiler.oom" satisfies ServerEventName;
/** A queued prompt's workflow may not fit in what the device has free now. */
export const OOM_RISK_EVENT = "swissarmyknife.profiler.oom_risk" satisfies ServerEventName;

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
