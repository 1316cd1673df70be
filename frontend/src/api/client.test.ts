import { api } from "comfyui/api";
import { describe, expect, it } from "vitest";

import { status } from "../testing/fixtures";
import { ApiRequestError, getMonitorSettings, getMonitorStatus, updateMonitorSettings } from "./client";

type FakeApi = typeof api & { handler: (route: string, init?: RequestInit) => Response; calls: string[] };
const fake = api as FakeApi;

describe("typed client over fetchApi", () => {
  it("sends the route without origin so ComfyUI adds its base path and /api", async () => {
    fake.calls = [];
    fake.handler = () => Response.json(status());
    const result = await getMonitorStatus();
    expect(fake.calls).toEqual(["/swissarmyknife/monitor/status"]);
    expect(result.hardware.cpu_model).toBe("Test CPU");
  });

  it("turns an error body into an ApiRequestError with the server's message", async () => {
    fake.handler = () => Response.json({ error: "unavailable", message: "telemetry is still starting", details: [] }, { status: 503 });
    const error = await getMonitorStatus().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect((error as ApiRequestError).status).toBe(503);
    expect((error as ApiRequestError).message).toBe("telemetry is still starting");
  });

  it("reads and changes the sample interval with a JSON PUT", async () => {
    const seen: { route: string; method: string; body: string | null; type: string | null }[] = [];
    const body = { sample_interval_s: 1, min_sample_interval_s: 0.5, max_sample_interval_s: 10, default_sample_interval_s: 2, persisted: true };
    fake.handler = (route, init) => {
      const headers = new Headers(init?.headers);
      seen.push({ route, method: init?.method ?? "GET", body: (init?.body as string | undefined) ?? null, type: headers.get("content-type") });
      return Response.json(body);
    };
    expect((await getMonitorSettings()).sample_interval_s).toBe(1);
    expect((await updateMonitorSettings({ sample_interval_s: 1 })).persisted).toBe(true);
    expect(seen[0]).toMatchObject({ route: "/swissarmyknife/monitor/settings", method: "GET" });
    expect(seen[1]).toEqual({ route: "/swissarmyknife/monitor/settings", method: "PUT", body: '{"sample_interval_s":1}', type: "application/json" });
  });

  it("puts the server's field details into the error message", async () => {
    fake.handler = () =>
      Response.json(
        { error: "validation_error", message: "invalid body", details: [{ location: "body.sample_interval_s", message: "Input should be greater than or equal to 0.5" }] },
        { status: 400 },
      );
    const error = await updateMonitorSettings({ sample_interval_s: 0.1 }).catch((e: unknown) => e);
    expect((error as ApiRequestError).message).toBe("invalid body (sample_interval_s: Input should be greater than or equal to 0.5)");
  });
});
