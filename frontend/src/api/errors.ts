// How a refused request reaches the stores: one error class, with the server's message when it sent
// one. Stores tell it from a dropped connection (a TypeError from fetch), so it has no other imports.
import type { ErrorBody } from "./types";

/** A refused or failed request, with the server's message when it sent one. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | null,
  ) {
    super(describeError(status, body));
    this.name = "ApiRequestError";
  }
}

/** The server's sentence plus what was wrong with which field, e.g. "invalid body (sample_interval_s: ...)". */
function describeError(status: number, body: ErrorBody | null): string {
  if (!body) return `request failed with HTTP ${status}`;
  const details = (body.details ?? []).map((d) => `${d.location.replace(/^(body|query)\./, "")}: ${d.message}`);
  return details.length > 0 ? `${body.message} (${details.join("; ")})` : body.message;
}

/** The body as the server's ErrorBody, or null when it is something else (a proxy's HTML page, say). */
export function errorBodyOf(value: unknown): ErrorBody | null {
  return typeof value === "object" && value !== null && "message" in value && "error" in value ? (value as ErrorBody) : null;
}
