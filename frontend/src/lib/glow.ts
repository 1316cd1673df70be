// The execution glow as one state changed by a pure transition of ComfyUI's execution events.

export type GlowState = { kind: "idle" } | { kind: "executing"; promptId: string | null };

/** ComfyUI's websocket events that start or end a prompt, as the api dispatches them. */
export type GlowEvent =
  | { type: "execution_start"; promptId: string | null }
  /** `executing`: the node id now running; null when the prompt is done. */
  | { type: "executing"; node: string | null }
  | { type: "execution_success" | "execution_error" | "execution_interrupted" }
  /** The socket dropped: an end event may be lost, so stop glowing until the next sign of work. */
  | { type: "reconnecting" };

export const GLOW_EVENT_TYPES = [
  "execution_start",
  "executing",
  "execution_success",
  "execution_error",
  "execution_interrupted",
  "reconnecting",
] as const;

export const IDLE: GlowState = { kind: "idle" };

export function glowTransition(state: GlowState, event: GlowEvent): GlowState {
  switch (event.type) {
    case "execution_start":
      return { kind: "executing", promptId: event.promptId };
    case "executing":
      if (event.node === null) return IDLE;
      // A node running while we thought we were idle (page opened mid-prompt, or after a reconnect).
      return state.kind === "executing" ? state : { kind: "executing", promptId: null };
    case "execution_success":
    case "execution_error":
    case "execution_interrupted":
    case "reconnecting":
      return state.kind === "idle" ? state : IDLE;
  }
}

function promptIdOf(detail: unknown): string | null {
  if (typeof detail !== "object" || detail === null) return null;
  const id = (detail as Record<string, unknown>).prompt_id;
  return typeof id === "string" ? id : null;
}

/** Turn a dispatched event's detail into a GlowEvent; whatever shape the detail has, never throws. */
export function toGlowEvent(type: (typeof GLOW_EVENT_TYPES)[number], detail: unknown): GlowEvent {
  switch (type) {
    case "execution_start":
      return { type, promptId: promptIdOf(detail) };
    case "executing": {
      // Frontends dispatch the node id; an object {node} is accepted too (older shims, raw frames).
      if (typeof detail === "string" || typeof detail === "number") return { type, node: String(detail) };
      if (typeof detail === "object" && detail !== null) {
        const node = (detail as Record<string, unknown>).node;
        return { type, node: typeof node === "string" || typeof node === "number" ? String(node) : null };
      }
      return { type, node: null };
    }
    default:
      return { type };
  }
}
