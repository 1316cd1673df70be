// The execution glow as one state changed by a pure transition of the execution events.
import type { ExecutionEvent } from "./events";

export type GlowState = { kind: "idle" } | { kind: "executing"; promptId: string | null };

/** What moves the glow: a prompt's events, or a dropped socket (an end event may then be lost, so
 *  it stops glowing until the next sign of work). */
export type GlowEvent = ExecutionEvent | { type: "reconnecting" };

export const IDLE: GlowState = { kind: "idle" };

export function glowTransition(state: GlowState, event: GlowEvent): GlowState {
  switch (event.type) {
    case "execution_start":
      return { kind: "executing", promptId: event.promptId };
    case "executing":
      if (event.node === null) return IDLE;
      // A node running while we thought we were idle (page opened mid-prompt, or after a reconnect).
      return state.kind === "executing" ? state : { kind: "executing", promptId: null };
    case "execution_cached":
    case "progress":
      // Signs of a prompt under way, but only its start and its nodes move the glow.
      return state;
    case "execution_success":
    case "execution_error":
    case "execution_interrupted":
    case "reconnecting":
      return state.kind === "idle" ? state : IDLE;
  }
}
