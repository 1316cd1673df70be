// One typed request over ComfyUI's fetchApi, its types read from the generated `paths`. It replaces
// openapi-fetch, whose runtime was ~2.3 kB gzip of the bundle's budget (122,880 B,
// e2e/specs/hud-perf.spec.ts) for what we never use: middleware, Request objects (which needed a
// placeholder origin stripped again for fetchApi), array/object/form serializers, other parse modes.
// Our routes take primitive path and query values and a JSON body, and answer JSON.
import { ApiRequestError, errorBodyOf } from "./errors";
import type { paths } from "./schema.gen";

/** ComfyUI's fetch: adds the base path and /api prefix, so requests work behind a sub-path proxy. */
export type FetchApi = (route: string, init?: RequestInit) => Promise<Response>;

export type Method = "GET" | "PUT" | "POST" | "DELETE";
type Operation<P extends keyof paths, M extends Method> = paths[P][Lowercase<M>];
/** The routes that have an operation for `method` (the generator writes `post?: never` for none). */
export type Route<M extends Method> = { [P in keyof paths]: Operation<P, M> extends { responses: object } ? P : never }[keyof paths];

/** The keys of T that take a value (the generator writes `query?: never` for none). */
type Given<T> = { [K in keyof T]-?: [NonNullable<T[K]>] extends [never] ? never : K }[keyof T];
type JsonOf<T> = T extends { content: { "application/json": infer J } } ? J : never;
/**
 * What one call sends: the operation's path, query and header parameters and its JSON body, each
 * required exactly where the operation requires it.
 */
export type Input<O> = O extends { parameters: infer P }
  ? Pick<P, Given<P> & ("path" | "query" | "header")> & {
      [K in keyof O as K extends "requestBody" ? ([NonNullable<O[K]>] extends [never] ? never : "body") : never]: JsonOf<NonNullable<O[K]>>;
    }
  : never;
type Args<I> = [keyof I] extends [never] ? [] : object extends I ? [I?] : [I];
/** The JSON of the operation's 2xx answer. */
export type Data<O> = O extends { responses: infer R } ? { [S in keyof R]: `${S & number}` extends `2${string}` ? JsonOf<R[S]> : never }[keyof R] : never;

/** The input as the request reads it, whatever the operation. */
interface Parts {
  path?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | null | undefined>;
  header?: Record<string, string>;
  body?: unknown;
}

/** What a request answers: `data` when the status was 2xx and the body JSON, else `error` (the body, if any). */
export interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data, or an ApiRequestError carrying the server's error body. */
export function unwrap<T>({ data, error, response }: Answer<T>): T {
  if (data === undefined) throw new ApiRequestError(response.status, errorBodyOf(error));
  return data;
}

/**
 * A request function over `fetchApi`: `send("GET", "/swissarmyknife/...", { path, query, header, body })`
 * answers the operation's JSON, or throws an ApiRequestError (a dropped connection: fetch's TypeError).
 */
export function requester(fetchApi: FetchApi) {
  return async <M extends Method, P extends Route<M>>(
    method: M,
    route: P,
    // No input for an operation that takes none; it may be left out when all of it is optional.
    ...[input]: Args<Input<Operation<P, M>>>
  ): Promise<Data<Operation<P, M>>> => {
    const { path = {}, query = {}, header, body } = (input ?? {}) as Parts;
    // The server refuses `?workflow_hash=null` (and it means "any"): null and undefined are not sent.
    const search = Object.entries(query)
      .filter(([, value]) => value !== null && value !== undefined)
      .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
      .join("&");
    const url = route.replace(/\{([^{}]+)\}/g, (_, name: string) => encodeURIComponent(String(path[name]))) + (search && `?${search}`);
    const init: RequestInit = { method, headers: header };
    if (body !== undefined) {
      init.headers = { ...header, "content-type": "application/json" };
      init.body = JSON.stringify(body);
    }
    const response = await fetchApi(url, init);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON (an empty body, a proxy's HTML page): no data, and no ErrorBody of ours.
    }
    return unwrap<Data<Operation<P, M>>>(response.ok ? { data: json as Data<Operation<P, M>>, response } : { error: json, response });
  };
}
