import { describe, expect, it } from "vitest";

import { ApiRequestError } from "./errors";
import { requester } from "./request";

/** A request function over a fetchApi that answers `answer` and records the route and init it was given. */
function over(answer: () => Response | Promise<Response>) {
  const seen: { route: string; init: RequestInit | undefined }[] = [];
  const send = requester(async (route, init) => {
    seen.push({ route, init });
    return answer();
  });
  return { send, seen };
}

async function refusal(promise: Promise<unknown>): Promise<ApiRequestError> {
  const error = await promise.catch((e: unknown) => e);
  if (error instanceof ApiRequestError) return error;
  throw new Error(`expected an ApiRequestError, got ${String(error)}`);
}

describe("the request function", () => {
  it("encodes path parameters (every reserved character) and keeps the route's own slashes", async () => {
    const { send, seen } = over(() => Response.json({}));
    await send("GET", "/swissarmyknife/profiler/workflows/{prompt_id}", { path: { prompt_id: "a b/c?d#e&f%" } });
    await send("PUT", "/swissarmyknife/profiler/workflows/{prompt_id}/name", { path: { prompt_id: "ü" }, body: { workflow_name: null } });
    await send("GET", "/swissarmyknife/monitor/gpus/{index}", { path: { index: 0 } });
    expect(seen.map((s) => s.route)).toEqual([
      "/swissarmyknife/profiler/workflows/a%20b%2Fc%3Fd%23e%26f%25",
      "/swissarmyknife/profiler/workflows/%C3%BC/name",
      "/swissarmyknife/monitor/gpus/0",
    ]);
  });

  it("sends the query's primitives in their order, encoded, and leaves null and undefined out (no `?` when none is left)", async () => {
    const { send, seen } = over(() => Response.json({}));
    await send("GET", "/swissarmyknife/profiler/series", { query: { points: 0, workflow_hash: null, since: 1.5, until: undefined } });
    await send("GET", "/swissarmyknife/profiler/history", { query: { workflow_hash: "a=b&c d", before: null } });
    await send("GET", "/swissarmyknife/profiler/history", { query: { limit: undefined, status: null } });
    await send("GET", "/swissarmyknife/profiler/regressions", {});
    await send("GET", "/swissarmyknife/profiler/regressions");
    expect(seen.map((s) => s.route)).toEqual([
      "/swissarmyknife/profiler/series?points=0&since=1.5",
      "/swissarmyknife/profiler/history?workflow_hash=a%3Db%26c%20d",
      "/swissarmyknife/profiler/history",
      "/swissarmyknife/profiler/regressions",
      "/swissarmyknife/profiler/regressions",
    ]);
  });

  it("sends a JSON body with its content type, the headers beside it, and neither body nor content type without one", async () => {
    const { send, seen } = over(() => Response.json({}));
    await send("POST", "/swissarmyknife/profiler/unload", { header: { "X-SwissArmyKnife-Token": "tok" }, body: { models: ["a"] } });
    await send("GET", "/swissarmyknife/profiler/settings");
    const [withBody, without] = seen.map((s) => ({ method: s.init?.method, headers: new Headers(s.init?.headers), body: s.init?.body }));
    expect(withBody?.method).toBe("POST");
    expect(withBody?.body).toBe('{"models":["a"]}');
    expect(withBody?.headers.get("content-type")).toBe("application/json");
    expect(withBody?.headers.get("X-SwissArmyKnife-Token")).toBe("tok");
    expect(without?.method).toBe("GET");
    expect(without?.body).toBeUndefined();
    expect(without?.headers.get("content-type")).toBeNull();
  });

  it("answers the parsed JSON of a 2xx answer (201 and 202 too)", async () => {
    const { send } = over(() => Response.json({ id: "x", run_count: 2 }, { status: 201 }));
    expect(await send("POST", "/swissarmyknife/profiler/archive", { header: { "X-SwissArmyKnife-Token": "t" }, body: {} })).toEqual({ id: "x", run_count: 2 });
  });

  it("throws the server's ErrorBody on a refusal", async () => {
    const body = { error: "conflict", message: "history is empty", details: [] };
    const { send } = over(() => Response.json(body, { status: 409 }));
    expect(await refusal(send("POST", "/swissarmyknife/profiler/archive", { header: { "X-SwissArmyKnife-Token": "t" }, body: {} }))).toMatchObject({
      status: 409,
      body,
      message: "history is empty",
    });
  });

  it("gives a clear message for an error body that is not ours: a proxy's HTML page, JSON of another shape, nothing", async () => {
    const bodies = [new Response("<html>502 Bad Gateway</html>", { status: 502 }), Response.json({ detail: "nope" }, { status: 500 }), new Response(null, { status: 503 })];
    for (const response of bodies) {
      const { send } = over(() => response);
      expect(await refusal(send("GET", "/swissarmyknife/monitor/status"))).toMatchObject({
        status: response.status,
        body: null,
        message: `request failed with HTTP ${response.status}`,
      });
    }
  });

  it("refuses a 2xx answer without JSON (empty, 204, or a page in its place) instead of answering undefined", async () => {
    for (const response of [new Response(null, { status: 204 }), new Response("", { status: 200 }), new Response("<html>login</html>", { status: 200 })]) {
      const { send } = over(() => response);
      expect(await refusal(send("GET", "/swissarmyknife/monitor/status"))).toMatchObject({ status: response.status, body: null });
    }
  });

  it("lets a dropped connection through as fetch's error (before or while the body comes), never an ApiRequestError", async () => {
    const { send } = over(() => Promise.reject(new TypeError("Failed to fetch")));
    await expect(send("GET", "/swissarmyknife/session")).rejects.toThrow(TypeError);
    // The browser's TypeError; happy-dom names it an EncodingError.
    const broken = new Response(
      new ReadableStream({
        start: (controller) => controller.error(new TypeError("network error")),
      }),
    );
    const cut = over(() => broken);
    const error = await cut.send("GET", "/swissarmyknife/session").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ApiRequestError);
  });
});
