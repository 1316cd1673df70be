// What the page knows about ComfyUI's prompt queue, from the session (split into running and
// queued) or from ComfyUI's `status` event (one total, read in host/events.ts).

export interface QueueSummary {
  running: number | null;
  queued: number | null;
  /** running + queued when known as one number (ComfyUI's exec_info.queue_remaining). */
  remaining: number | null;
}

export const UNKNOWN_QUEUE: QueueSummary = { running: null, queued: null, remaining: null };

export function queueFromSession(queue: { running: number | null; queued: number | null }): QueueSummary {
  const known = queue.running !== null || queue.queued !== null;
  return { ...queue, remaining: known ? (queue.running ?? 0) + (queue.queued ?? 0) : null };
}

/** The total ComfyUI reports (`queue_remaining`), as a summary. */
export function queueFromRemaining(remaining: number): QueueSummary {
  return { running: null, queued: null, remaining };
}
