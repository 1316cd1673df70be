// The GPU inspector's sections: the GPU's figures in words, the processes using it and ComfyUI's
// models on it; "--" where the device or its library does not say.
import type { GpuInspection } from "../api/types";
import { formatBytes, formatPercent, formatTemp, MISSING } from "./format";

/** A titled list of [label, text] rows. */
export type InspectionSection = readonly [title: string, rows: readonly (readonly [label: string, value: string])[]];

const whole = (value: number | null) => (value === null ? MISSING : Math.round(value).toLocaleString("en-US"));

/** "now / most unit", either side "--" when unknown; "--" alone when both are. */
function pair(value: number | null, most: number | null, unit: string): string {
  return value === null && most === null ? MISSING : `${whole(value)} / ${whole(most)} ${unit}`;
}

/** The GPU's figures under its name, then its processes (this ComfyUI marked) and the models, by size. */
export function inspectionSections(g: GpuInspection): InspectionSection[] {
  const listed = <T,>(items: T[], row: (item: T) => readonly [string, string]) => (items.length ? items.map(row) : [[MISSING, ""] as const]);
  return [
    [
      g.device.name,
      [
        ["Driver", g.driver_version ?? MISSING],
        ["CUDA", g.cuda_driver_version ?? MISSING],
        ["Memory total", formatBytes(g.vram_total_bytes)],
        ["Memory used", formatBytes(g.vram_used_bytes)],
        ["Memory free", formatBytes(g.vram_free_bytes)],
        ["Used by this ComfyUI", formatBytes(g.this_process_bytes)],
        ["Used by other processes", formatBytes(g.other_processes_bytes)],
        ["Utilization", formatPercent(g.utilization_percent)],
        ["Memory controller busy", formatPercent(g.memory_utilization_percent)],
        ["Temperature", formatTemp(g.temperature_c)],
        ["Power / limit", pair(g.power_draw_watts, g.power_limit_watts, "W")],
        ["SM clock / max", pair(g.graphics_clock_mhz, g.max_graphics_clock_mhz, "MHz")],
        ["Memory clock", g.memory_clock_mhz === null ? MISSING : `${whole(g.memory_clock_mhz)} MHz`],
        ["Fan", formatPercent(g.fan_percent)],
      ],
    ],
    ["Processes", listed(g.processes, (p) => [`${p.name ?? MISSING} (pid ${p.pid}, ${p.kind}${p.this_process ? ", this ComfyUI" : ""})`, formatBytes(p.used_bytes)])],
    ["ComfyUI's models on it", listed(g.models, (m) => [m.name, formatBytes(m.loaded_bytes)])],
  ];
}
