import { describe, expect, it } from "vitest";

import openapi from "../api/openapi.gen.json";
import { SAMPLE_INTERVAL } from "./sampleInterval";

describe("SAMPLE_INTERVAL", () => {
  it("matches the server's limits in the generated OpenAPI document", () => {
    const field = openapi.components.schemas.MonitorSettingsUpdate.properties.sample_interval_s;
    expect(SAMPLE_INTERVAL.min).toBe(field.minimum);
    expect(SAMPLE_INTERVAL.max).toBe(field.maximum);
  });
  it("its default is inside the range and on a step", () => {
    expect(SAMPLE_INTERVAL.defaultValue).toBeGreaterThanOrEqual(SAMPLE_INTERVAL.min);
    expect(SAMPLE_INTERVAL.defaultValue).toBeLessThanOrEqual(SAMPLE_INTERVAL.max);
    expect((SAMPLE_INTERVAL.defaultValue - SAMPLE_INTERVAL.min) % SAMPLE_INTERVAL.step).toBe(0);
  });
});
