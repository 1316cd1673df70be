import { api } from "comfyui/api";
import { describe, expect, it } from "vitest";

import { status } from "../testing/fixtures";
import { ApiRequestError, getMonitorStatus } from "./client";

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
});
