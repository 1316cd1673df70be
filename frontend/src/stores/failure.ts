// What a failed request says to the user: the server's own sentence when it refused (an
// ApiRequestError carries it), a plain one when the server did not answer (fetch's TypeError).
import { ApiRequestError } from "../api/errors";

export const NO_ANSWER = "The server did not answer.";

export function failureMessage(error: unknown): string {
  if (error instanceof ApiRequestError) return error.message;
  if (error instanceof TypeError) return NO_ANSWER;
  return error instanceof Error ? error.message : String(error);
}

/** Whether the server answered that the thing asked for is not there (a run archived meanwhile). */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiRequestError && error.status === 404;
}
