// The prompts this page queues: their ids (ComfyUI answers POST /prompt with `prompt_id`), how many
// nodes each has, and the saved workflow's name in the open tab when it was queued. Learnt by
// wrapping `api.queuePrompt`, which every way of queueing in the frontend goes through
// (app.queuePrompt, the Run button, Ctrl+Enter, auto-queue; ComfyUI_frontend src/scripts/app.ts and
// src/scripts/api.ts, 1.27 to 1.58). The wrapper changes nothing ComfyUI sends or gets back:
// arguments, result and errors pass through untouched, and a failure of ours only costs the name.
import type { QueuedPrompt, Unsubscribe } from "../lib/events";

export type { QueuedPrompt };

/** The part of a frontend workflow we read (ComfyWorkflow in 1.27+, the older manager's workflow). */
export interface WorkflowLike {
  filename?: unknown;
  name?: unknown;
  path?: unknown;
  isTemporary?: unknown;
  isPersisted?: unknown;
}

type QueuePrompt = (...args: unknown[]) => Promise<unknown>;

const WRAPPED = Symbol.for("swissarmyknife.queuePrompt.original");

type Wrapped = QueuePrompt & { [WRAPPED]?: QueuePrompt };

/** "workflows/sub/My flow.json" -> "My flow". */
function baseName(path: string): string {
  return (path.split("/").pop() ?? path).replace(/\.json$/i, "");
}

/**
 * The saved name of a workflow as its tab shows it, or null when it was never saved: ComfyUI calls
 * an unsaved one "Unsaved Workflow" too, a placeholder, not a name users chose.
 */
export function savedWorkflowName(workflow: WorkflowLike | null | undefined): string | null {
  if (!workflow || typeof workflow !== "object") return null;
  if (workflow.isTemporary === true || workflow.isPersisted === false) return null;
  const candidates = [workflow.filename, workflow.name, typeof workflow.path === "string" ? baseName(workflow.path) : null];
  for (const candidate of candidates) {
    if (typeof candidate === "string" && candidate.trim()) return candidate.trim();
  }
  return null;
}

/** How many nodes `api.queuePrompt(number, {output, workflow}, options)` queues. */
export function nodeCountOfCall(args: readonly unknown[]): number | null {
  const data = args[1];
  const output = typeof data === "object" && data !== null ? (data as { output?: unknown }).output : undefined;
  return typeof output === "object" && output !== null ? Object.keys(output).length : null;
}

function promptIdOfResult(result: unknown): string | null {
  const id = typeof result === "object" && result !== null ? (result as { prompt_id?: unknown }).prompt_id : undefined;
  return typeof id === "string" && id ? id : null;
}

/**
 * Wraps `target.queuePrompt` so that `listener` hears of every prompt queued through it, with the
 * name `readName()` gives at the moment of queueing. Returns the unwrap (only while ours is still
 * the outermost wrapper); does nothing where there is no queuePrompt or it is wrapped already.
 */
export function watchQueuedPrompts(
  target: { queuePrompt?: unknown },
  readName: () => string | null,
  listener: (prompt: QueuedPrompt) => void,
  logError: (message: string, error?: unknown) => void,
): Unsubscribe {
  const original = target.queuePrompt;
  if (typeof original !== "function" || (original as Wrapped)[WRAPPED]) return () => {};
  const wrapped: Wrapped = async function (this: unknown, ...args: unknown[]) {
    // Read before queueing: the tab can change while the request is on its way.
    let workflowName: string | null = null;
    let nodeCount: number | null = null;
    try {
      workflowName = readName();
      nodeCount = nodeCountOfCall(args);
    } catch (error) {
      logError("could not read the workflow's name", error);
    }
    // ComfyUI's own call, outside our try: its result and errors are exactly what they would be.
    const result = await (original as QueuePrompt).apply(this, args);
    try {
      const promptId = promptIdOfResult(result);
      if (promptId) listener({ promptId, nodeCount, workflowName });
    } catch (error) {
      logError("could not record a queued prompt", error);
    }
    return result;
  };
  wrapped[WRAPPED] = original as QueuePrompt;
  target.queuePrompt = wrapped;
  return () => {
    if (target.queuePrompt === wrapped) target.queuePrompt = original;
  };
}
