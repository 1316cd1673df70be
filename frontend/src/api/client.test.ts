import { describe, expect, it } from "vitest";

import { api } from "../testing/fakeComfy";
import { status } from "../testing/fixtures";
import { createApiClient, unwrap } from "./client";
import { ApiRequestError } from "./errors";
import type { ErrorBody } from "./types";

const client = createApiClient((route, init) => api.fetchApi(route, init));

describe("typed client over fetchApi", () => {
  it("sends the route without origin so ComfyUI adds its base path and /api", async () => {
    api.calls = [];
    api.handler = () => Response.json(status());
    const result = await client.getMonitorStatus();
    expect(api.calls).toEqual(["/swissarmyknife/monitor/status"]);
    expect(result.hardware.cpu_model).toBe("Test CPU");
  });

  it("turns an error body into an ApiRequestError with the server's message", async () => {
    api.handler = () => Response.json({ error: "unavailable", message: "telemetry is still starting", details: [] }, { status: 503 });
    const error = await client.getMonitorStatus().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect((error as ApiRequestError).status).toBe(503);
    expect((error as ApiRequestError).message).toBe("telemetry is still starting");
  });

  it("reads and changes the sample interval with a JSON PUT", async () => {
    const seen: { route: string; method: string; body: string | null; type: string | null }[] = [];
    const body = { sample_interval_s: 1, min_sample_interval_s: 0.5, max_sample_interval_s: 10, default_sample_interval_s: 2, persisted: true };
    api.handler = (route, init) => {
      const headers = new Headers(init?.headers);
      seen.push({ route, method: init?.method ?? "GET", body: (init?.body as string | undefined) ?? null, type: headers.get("content-type") });
      return Response.json(body);
    };
    expect((await client.getMonitorSettings()).sample_interval_s).toBe(1);
    expect((await client.updateMonitorSettings({ sample_interval_s: 1 })).persisted).toBe(true);
    expect(seen[0]).toMatchObject({ route: "/swissarmyknife/monitor/settings", method: "GET" });
    expect(seen[1]).toEqual({ route: "/swissarmyknife/monitor/settings", method: "PUT", body: '{"sample_interval_s":1}', type: "application/json" });
  });

  it("asks for the monitor's history by seconds and one GPU by its index in the path", async () => {
    api.calls = [];
    api.handler = (route) => Response.json(route.includes("history") ? { seconds: 300, max_seconds: 600, sample_interval_s: 1, samples: [] } : { index: 1 });
    expect((await client.getMonitorHistory(300)).max_seconds).toBe(600);
    await client.inspectGpu(1);
    expect(api.calls).toEqual(["/swissarmyknife/monitor/history?seconds=300", "/swissarmyknife/monitor/gpus/1"]);
  });

  it("puts the server's field details into the error message", async () => {
    api.handler = () =>
      Response.json(
        { error: "validation_error", message: "invalid body", details: [{ location: "body.sample_interval_s", message: "Input should be greater than or equal to 0.5" }] },
        { status: 400 },
      );
    const error = await client.updateMonitorSettings({ sample_interval_s: 0.1 }).catch((e: unknown) => e);
    expect((error as ApiRequestError).message).toBe("invalid body (sample_interval_s: Input should be greater than or equal to 0.5)");
  });

  it("sends a guarded action's token in its header, with a JSON body", async () => {
    const seen: { route: string; token: string | null; body: unknown }[] = [];
    api.handler = (route, init) => {
      seen.push({ route, token: new Headers(init?.headers).get("X-SwissArmyKnife-Token"), body: init?.body });
      return Response.json({ kind: "exec", description: "re-exec", restarts_in_ms: 500 });
    };
    await client.postRestart("tok");
    expect(seen).toEqual([{ route: "/swissarmyknife/restart", token: "tok", body: "{}" }]);
  });
});

describe("unwrap", () => {
  const response = (status: number) => new Response(null, { status });

  it("returns the data of a 2xx answer", () => {
    expect(unwrap({ data: { ok: 1 }, response: response(200) })).toEqual({ ok: 1 });
  });

  function thrown(answer: Parameters<typeof unwrap>[0]): ApiRequestError {
    try {
      unwrap(answer);
    } catch (error) {
      if (error instanceof ApiRequestError) return error;
    }
    throw new Error("unwrap did not throw an ApiRequestError");
  }

  it("throws the server's error body, or none when the body is not ours", () => {
    const ours: ErrorBody = { error: "conflict", message: "busy", details: [] };
    expect(thrown({ error: ours, response: response(409) })).toMatchObject({ status: 409, body: ours, message: "busy" });
    expect(thrown({ error: "<html>Bad Gateway</html>", response: response(502) })).toMatchObject({
      status: 502,
      body: null,
      message: "request failed with HTTP 502",
    });
  });
});

/** Answers every request with `answer` and records what was asked: route, method, token, body. */
function recording(answer: unknown = {}, status = 200) {
  const seen: { route: string; method: string; token: string | null; body: string | null }[] = [];
  api.handler = (route, init) => {
    seen.push({
      route,
      method: init?.method ?? "GET",
      token: new Headers(init?.headers).get("X-SwissArmyKnife-Token"),
      body: (init?.body as string | undefined) ?? null,
    });
    return Response.json(answer, { status });
  };
  return seen;
}

describe("the profiler tabs' calls", () => {
  it("asks for a history page with only the filters given (no workflow_hash=null)", async () => {
    const seen = recording({ items: [], total: 0, next_before: null });
    await client.getProfilerHistory({ limit: 50, before: null, workflow_hash: null, status: null });
    await client.getProfilerHistory({ limit: 50, before: 1700000000.25, workflow_hash: "0123456789abcdef", status: "oom" });
    expect(seen.map((s) => s.route)).toEqual([
      "/swissarmyknife/profiler/history?limit=50",
      "/swissarmyknife/profiler/history?limit=50&before=1700000000.25&workflow_hash=0123456789abcdef&status=oom",
    ]);
  });

  it("reads the aggregated endpoints", async () => {
    const seen = recording({ items: [] });
    await client.getProfilerSeries({ points: 120, workflow_hash: null });
    await client.getProfilerNodeClasses({ workflow_hash: "0123456789abcdef", limit: 200 });
    await client.getProfilerWorkflowStats(500);
    expect(seen.map((s) => s.route)).toEqual([
      "/swissarmyknife/profiler/series?points=120",
      "/swissarmyknife/profiler/analytics/nodes?workflow_hash=0123456789abcdef&limit=200",
      "/swissarmyknife/profiler/analytics/workflows?limit=500",
    ]);
  });

  it("puts only the setting it changes (the others stay as they are)", async () => {
    const seen = recording({});
    await client.updateProfilerSettings({ max_workflows: 2500 });
    expect(seen[0]!.method).toBe("PUT");
    expect(JSON.parse(seen[0]!.body!)).toEqual({ max_workflows: 2500 });
  });

  it("sends the archive actions guarded: token header, JSON body, the id in the path", async () => {
    const seen = recording({});
    await client.createProfilerArchive("tok");
    await client.loadProfilerArchive("tok", "20260101T120000Z-0123abcd");
    await client.deleteProfilerArchive("tok", "20260101T120000Z-0123abcd");
    await client.listProfilerArchives();
    expect(seen).toEqual([
      { route: "/swissarmyknife/profiler/archive", method: "POST", token: "tok", body: "{}" },
      { route: "/swissarmyknife/profiler/archive/20260101T120000Z-0123abcd/load", method: "POST", token: "tok", body: "{}" },
      { route: "/swissarmyknife/profiler/archive/20260101T120000Z-0123abcd", method: "DELETE", token: "tok", body: "{}" },
      { route: "/swissarmyknife/profiler/archives", method: "GET", token: null, body: null },
    ]);
  });
});

describe("the Latest view's calls", () => {
  it("reads the stats with one run of history, and one run by its id (a 404 is an ApiRequestError)", async () => {
    const seen = recording({ latest: null });
    await client.getProfilerStats(1);
    await client.getProfilerWorkflow("p:1/2");
    expect(seen.map((s) => s.route)).toEqual(["/swissarmyknife/profiler/stats?limit=1", "/swissarmyknife/profiler/workflows/p%3A1%2F2"]);
    recording({ error: "not_found", message: "no workflow p1", details: [] }, 404);
    const error = await client.getProfilerWorkflow("p1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect((error as ApiRequestError).status).toBe(404);
  });

  it("clears history guarded (token header, JSON body) and names a run with a JSON PUT", async () => {
    const seen = recording({ removed_count: 3 });
    await client.clearProfilerHistory("tok");
    await client.nameProfilerWorkflow("p1", "Portrait");
    await client.nameProfilerWorkflow("p2", null);
    expect(seen).toEqual([
      { route: "/swissarmyknife/profiler/history", method: "DELETE", token: "tok", body: "{}" },
      { route: "/swissarmyknife/profiler/workflows/p1/name", method: "PUT", token: null, body: '{"workflow_name":"Portrait"}' },
      { route: "/swissarmyknife/profiler/workflows/p2/name", method: "PUT", token: null, body: '{"workflow_name":null}' },
    ]);
  });
});

describe("the OOM tab's calls", () => {
  it("reads the analysis and the captures, and finds workflows by a part of their name", async () => {
    const seen = recording({ data: [], count: 0 });
    await client.getOomStats();
    await client.listOomEvents(20);
    await client.getProfilerWorkflowStats(500, "SDXL & 50%");
    await client.getProfilerWorkflowStats(500, null);
    expect(seen.map((s) => s.route)).toEqual([
      "/swissarmyknife/profiler/oom_stats",
      "/swissarmyknife/profiler/oom_events?limit=20",
      "/swissarmyknife/profiler/analytics/workflows?limit=500&name=SDXL%20%26%2050%25",
      "/swissarmyknife/profiler/analytics/workflows?limit=500",
    ]);
  });

  it("unloads models guarded: token header, the names in a JSON body; a 409 keeps the server's words", async () => {
    const seen = recording({ unloaded: [{ name: "a.safetensors", freed_bytes: 1024 }], not_found: ["b.pth"], freed_bytes: 1024 });
    const result = await client.unloadModels("tok", ["a.safetensors", "b.pth"]);
    expect(result.not_found).toEqual(["b.pth"]);
    expect(seen).toEqual([
      { route: "/swissarmyknife/profiler/unload", method: "POST", token: "tok", body: '{"models":["a.safetensors","b.pth"]}' },
    ]);
    recording({ error: "conflict", message: "1 workflow is running: unload models when the queue is empty, or cancel them first", details: [] }, 409);
    const error = await client.unloadModels("tok", ["a.safetensors"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect((error as ApiRequestError).status).toBe(409);
    expect((error as ApiRequestError).message).toBe("1 workflow is running: unload models when the queue is empty, or cancel them first");
  });
});

describe("baselines, regressions and environments", () => {
  it("reads the regressions (only the filters given), the baselines and an environment by id", async () => {
    const seen = recording({ data: [], count: 0 });
    await client.getProfilerRegressions();
    await client.getProfilerRegressions({ workflow_hash: "0123456789abcdef", limit: 5 });
    await client.getProfilerRegressions({ workflow_hash: null });
    await client.listProfilerBaselines();
    await client.getProfilerBaseline("0123456789abcdef");
    await client.getProfilerEnvironment(2);
    expect(seen.map((s) => `${s.method} ${s.route}`)).toEqual([
      "GET /swissarmyknife/profiler/regressions",
      "GET /swissarmyknife/profiler/regressions?workflow_hash=0123456789abcdef&limit=5",
      "GET /swissarmyknife/profiler/regressions",
      "GET /swissarmyknife/profiler/baselines",
      "GET /swissarmyknife/profiler/baselines/0123456789abcdef",
      "GET /swissarmyknife/profiler/environments/2",
    ]);
  });

  it("pins with a JSON PUT, unpins guarded; a 409 keeps the server's words", async () => {
    const seen = recording({ workflow_hash: "0123456789abcdef", prompt_id: "p1" });
    await client.setProfilerBaseline("0123456789abcdef", "p1");
    await client.clearProfilerBaseline("tok", "0123456789abcdef");
    expect(seen).toEqual([
      { route: "/swissarmyknife/profiler/baselines/0123456789abcdef", method: "PUT", token: null, body: '{"prompt_id":"p1"}' },
      { route: "/swissarmyknife/profiler/baselines/0123456789abcdef", method: "DELETE", token: "tok", body: "{}" },
    ]);
    recording({ error: "conflict", message: "run p2 did not succeed (error): only a successful run can be a baseline", details: [] }, 409);
    const error = await client.setProfilerBaseline("0123456789abcdef", "p2").catch((e: unknown) => e);
    expect((error as ApiRequestError).status).toBe(409);
    expect((error as ApiRequestError).message).toBe("run p2 did not succeed (error): only a successful run can be a baseline");
  });
});
