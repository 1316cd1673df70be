import { describe, expect, it } from "vitest";

import { cachedNode, nodeRecord, workflowRecord, workflowSummary } from "../testing/fixtures";
import { describeShapes, NODE_COLUMNS, pageExport, RUN_COLUMNS, runExport } from "./profilerExport";

const run = () =>
  workflowRecord(
    "abc:1",
    [
      cachedNode("1", "CheckpointLoaderSimple"),
      nodeRecord("2", "CLIPTextEncode", {
        title: 'Prompt, "positive"',
        duration_ms: 45.5,
        input_shapes: [{ path: "clip", shape: [1, 77], dtype: "int64", device: "cpu" }],
        output_shapes: [
          { path: "out[0]", shape: [1, 77, 768], dtype: "float16", device: "cuda:0" },
          { path: "out[1]", shape: [], dtype: null, device: null },
        ],
      }),
      nodeRecord("3", "KSampler", { status: "error", error: "mat1 and mat2\nshapes" }),
    ],
    { workflow_name: "portrait", status: "error" },
  );

/** The CSV's records split back (no field here spans lines except the quoted error). */
const header = (text: string) => text.split("\r\n")[0]!.split(",");

describe("runExport", () => {
  it("writes the run as the API gives it, as JSON named after its prompt id (file-system safe)", () => {
    const file = runExport(run(), "json");
    expect(file.name).toBe("swissarmyknife-run-abc-1.json");
    expect(file.mimeType).toBe("application/json");
    expect(JSON.parse(file.text)).toEqual(run());
  });

  it("writes one CSV row per node in execution order, the units in the column names", () => {
    const file = runExport(run(), "csv");
    expect(file.name).toBe("swissarmyknife-run-abc-1.csv");
    expect(file.mimeType).toBe("text/csv;charset=utf-8");
    expect(header(file.text)).toEqual(NODE_COLUMNS.map((c) => c.header));
    expect(header(file.text)).toEqual(expect.arrayContaining(["duration_ms", "vram_peak_delta_bytes", "started_at_unix_s", "rss_after_bytes"]));
    const lines = file.text.split("\r\n");
    expect(lines[1]).toMatch(/^abc:1,0,1,CheckpointLoaderSimple,,,cached,true,,,,/);
    expect(lines[2]).toContain('"Prompt, ""positive"""');
    expect(lines[2]).toContain("clip int64[1,77] cpu");
    expect(file.text).toContain('"mat1 and mat2\nshapes"');
    expect(file.text.endsWith("\r\n")).toBe(true);
  });
});

describe("describeShapes", () => {
  it("writes path, dtype with shape, and device per tensor; leaves unknown parts out", () => {
    expect(
      describeShapes([
        { path: "samples", shape: [1, 4, 64, 64], dtype: "float16", device: "cuda:0" },
        { path: "x", shape: [], dtype: null, device: null },
      ]),
    ).toBe("samples float16[1,4,64,64] cuda:0; x []");
    expect(describeShapes([])).toBe("");
  });
});

describe("pageExport", () => {
  const now = new Date(2026, 0, 5, 14, 3, 7);
  const items = [workflowSummary("b", { started_at: 200, workflow_name: "portrait" }), workflowSummary("a", { started_at: 100 })];
  const filter = { workflow_hash: "0123456789abcdef", status: null, before: null };

  it("writes the page as JSON with what filtered it and the total", () => {
    const file = pageExport(items, filter, 57, "json", now);
    expect(file.name).toBe("swissarmyknife-history-20260105-140307.json");
    const parsed = JSON.parse(file.text);
    expect(parsed).toMatchObject({ format: "swissarmyknife.history-page", filter, total: 57, items });
    expect(parsed.exported_at).toBe(now.toISOString());
  });

  it("writes one CSV row per run, times in UTC and Unix seconds", () => {
    const file = pageExport(items, filter, 57, "csv", now);
    expect(file.name).toBe("swissarmyknife-history-20260105-140307.csv");
    expect(header(file.text)).toEqual(RUN_COLUMNS.map((c) => c.header));
    const [, first, second] = file.text.split("\r\n");
    expect(first).toMatch(/^b,portrait,0123456789abcdef,success,1970-01-01T00:03:20\.000Z,200,203,3000,/);
    expect(second).toMatch(/^a,,0123456789abcdef,/);
  });

  it("writes the error's parts into their columns", () => {
    const failed = workflowSummary("c", { status: "oom", error: { node_id: "5", node_type: "KSampler", exception_type: "torch.OutOfMemoryError", message: "CUDA out of memory" } });
    const line = pageExport([failed], filter, 1, "csv", now).text.split("\r\n")[1]!;
    expect(line.endsWith(",5,KSampler,torch.OutOfMemoryError,CUDA out of memory")).toBe(true);
  });
});
