// The workflow running now, as ComfyUI's execution events tell it: which prompt, how many of its
// nodes came from the cache, which ran, which runs now and how far along it is. One value changed
// by a pure transition per event; the popup's gauge reads its progress.
import type { ExecutionEvent } from "./events";

export interface LiveRun {
  /** null when the page joined mid-prompt and saw no execution_start. */
  promptId: string | null;
  /** When the page saw it start (the page's clock, ms). */
  startedAtMs: number;
  /** Nodes in the prompt (the queued prompt's, or the server's live record); null until known. */
  nodeCount: number | null;
  /** Nodes the prompt takes from the cache (they never run). */
  cachedCount: number;
  /** Nodes that began executing, in order, each once (lazy and async nodes re-enter). */
  executed: readonly string[];
  /** The node executing now. */
  runningNode: string | null;
  /** The running node's own progress, 0..1 (a sampler's steps); null when it reports none. */
  nodeProgress: number | null;
}

/** What the gauge shows of a live run. */
export interface LiveProgress {
  /** Nodes finished executing. */
  done: number;
  /** Nodes the prompt runs (its nodes less the cached ones); null when the count is not known yet. */
  toRun: number | null;
  /** 0..1, with the running node's own steps counted in; null while `toRun` is unknown. */
  fraction: number | null;
}

function started(promptId: string | null, nowMs: number, nodeCount: number | null): LiveRun {
  return { promptId, startedAtMs: nowMs, nodeCount, cachedCount: 0, executed: [], runningNode: null, nodeProgress: null };
}

/**
 * The run after one event (null: nothing runs). `nodeCountOf` answers a prompt's node count when
 * the page queued it (host/workflows.ts learns it from the queued prompt), else null.
 */
export function liveTransition(
  live: LiveRun | null,
  event: ExecutionEvent,
  nowMs: number,
  nodeCountOf: (promptId: string) => number | null = () => null,
): LiveRun | null {
  switch (event.type) {
    case "execution_start":
      return started(event.promptId, nowMs, event.promptId === null ? null : nodeCountOf(event.promptId));
    case "execution_cached": {
      const run = live ?? started(event.promptId, nowMs, event.promptId === null ? null : nodeCountOf(event.promptId));
      if (run.promptId !== null && event.promptId !== null && run.promptId !== event.promptId) return run;
      return { ...run, cachedCount: event.nodes.length };
    }
    case "executing": {
      if (event.node === null) return null;
      // A node running with no start seen: the page joined mid-prompt (or after a reconnect).
      const run = live ?? started(null, nowMs, null);
      if (run.runningNode === event.node) return run;
      const executed = run.executed.includes(event.node) ? run.executed : [...run.executed, event.node];
      return { ...run, executed, runningNode: event.node, nodeProgress: null };
    }
    case "progress": {
      if (live === null || (event.node !== null && live.runningNode !== null && event.node !== live.runningNode)) return live;
      const nodeProgress = Math.min(1, Math.max(0, event.value / event.max));
      return nodeProgress === live.nodeProgress ? live : { ...live, nodeProgress };
    }
    case "execution_success":
    case "execution_error":
    case "execution_interrupted":
      return null;
  }
}

/** The run's node count once known (a later source never overrides a known one). */
export function withNodeCount(live: LiveRun, nodeCount: number | null): LiveRun {
  return live.nodeCount !== null || nodeCount === null ? live : { ...live, nodeCount };
}

/** Nodes done of nodes to run, and the share of the way. */
export function liveProgress(live: LiveRun): LiveProgress {
  const done = Math.max(0, live.executed.length - (live.runningNode !== null ? 1 : 0));
  if (live.nodeCount === null) return { done, toRun: null, fraction: null };
  const toRun = Math.max(0, live.nodeCount - live.cachedCount);
  if (toRun === 0) return { done, toRun, fraction: 1 };
  const partial = live.runningNode !== null ? (live.nodeProgress ?? 0) : 0;
  return { done, toRun, fraction: Math.min(1, (done + partial) / toRun) };
}
