// Prints a running ComfyUI's machine, its latest profiled run, then its live telemetry, through the
// typed client:  node clients/typescript/examples/live-telemetry.ts --url http://127.0.0.1:8188 --seconds 10
import { createSwissArmyKnifeClient, liveEvents, type Schemas } from "../src/index.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < args.length ? args[at + 1]! : fallback;
};
const url = option("url", "http://127.0.0.1:8188");
const seconds = Number(option("seconds", "10"));
const gib = (bytes: number | null | undefined) => (bytes == null ? "--" : `${(bytes / 1024 ** 3).toFixed(1)} GiB`);

const client = createSwissArmyKnifeClient(url);
const status = await client.GET("/swissarmyknife/monitor/status");
if (!status.data) throw new Error(`status: ${status.response.status} ${JSON.stringify(status.error)}`);
const { hardware, gpu } = status.data;
console.log(`${hardware.cpu_model ?? "CPU"}, ${hardware.cpu_cores_logical ?? "?"} threads, ${gib(hardware.ram_total_bytes)} RAM`);
for (const device of gpu.devices) console.log(`  cuda:${device.index} ${device.name} (${gib(device.vram_total_bytes)})`);

const stats = await client.GET("/swissarmyknife/profiler/stats", { params: { query: { limit: 1 } } });
const latest: Schemas["WorkflowRecord"] | null | undefined = stats.data?.latest;
if (!latest) console.log("no workflow profiled yet");
else {
  console.log(`latest run: ${latest.workflow_name ?? latest.workflow_hash.slice(0, 7)} ${latest.status} in ${(latest.duration_ms ?? 0).toFixed(0)} ms`);
  const slowest = latest.nodes.filter((n) => n.duration_ms != null).sort((a, b) => (b.duration_ms ?? 0) - (a.duration_ms ?? 0));
  for (const node of slowest.slice(0, 5)) console.log(`  ${(node.duration_ms ?? 0).toFixed(1).padStart(9)} ms  ${node.class_type} #${node.node_id}`);
}

let count = 0;
for await (const event of liveEvents(url, AbortSignal.timeout(seconds * 1000))) {
  count += 1;
  if (event.name === "swissarmyknife.monitor") {
    const s = event.data.snapshot;
    const gpus = s.gpus.map((g) => `cuda:${g.index} ${(g.utilization_percent ?? 0).toFixed(0)}% ${gib(g.vram_used_bytes)}`).join(", ");
    console.log(`CPU ${(s.cpu_percent ?? 0).toFixed(1).padStart(5)}%  RAM ${gib(s.ram_used_bytes)}  ${gpus}`);
  } else if (event.name === "swissarmyknife.profiler") {
    const w = event.data.workflow;
    console.log(`finished: ${w.workflow_name ?? w.workflow_hash.slice(0, 7)} ${w.status} in ${(w.duration_ms ?? 0).toFixed(0)} ms`);
  }
}
console.log(`${count} events in ${seconds} s`);
