// Turns a status + snapshot into the tiles the bar shows: pure, so every rule is unit-tested.
import type { GpuDevice, MonitorSnapshot, MonitorStatus } from "../api/client";
import { formatGHz, formatPercent, formatTemp, formatUsedOfTotalGB, ratioPercent } from "./format";
import { levelFor, type Level } from "./thresholds";

export interface TileModel {
  id: string;
  label: string;
  value: string;
  /** 0..100 fill, null when unknown (no fill). */
  percent: number | null;
  level: Level;
  title: string;
}

const VENDOR_WORDS = new Set([
  "nvidia", "geforce", "rtx", "gtx", "quadro", "tesla", "amd", "radeon", "rx", "intel", "arc",
  "graphics", "apple", "pro", "(tm)", "(r)", "corporation",
]);
const SUFFIX_WORDS = new Set(["ti", "super", "xt", "xtx", "max", "ultra", "gre"]);

/** A compact model name for tile labels: "NVIDIA GeForce RTX 3090 Ti" -> "3090Ti", "NVIDIA RTX A6000" -> "A6000". */
export function compactGpuName(name: string): string {
  const tokens = name
    .replace(/\((tm|r)\)/gi, "")
    .split(/\s+/)
    .filter((t) => t && !VENDOR_WORDS.has(t.toLowerCase()));
  const start = tokens.findIndex((t) => /\d/.test(t));
  if (start < 0) return tokens.join("") || name;
  const model = tokens[start]?.split("-")[0] ?? "";
  const suffixes = [];
  for (const token of tokens.slice(start + 1)) {
    if (!SUFFIX_WORDS.has(token.toLowerCase())) break;
    suffixes.push(token.charAt(0).toUpperCase() + token.slice(1).toLowerCase());
  }
  return model + suffixes.join("");
}

function tile(id: string, label: string, value: string, percent: number | null, title: string): TileModel {
  const clamped = percent === null ? null : Math.min(100, Math.max(0, percent));
  return { id, label, value, percent: clamped, level: levelFor(clamped), title };
}

export function buildTiles(status: MonitorStatus, snapshot: MonitorSnapshot | null): TileModel[] {
  const tiles: TileModel[] = [];
  const hw = status.hardware;
  if (hw.psutil_available) {
    const cpu = snapshot?.cpu_percent ?? null;
    const freq = formatGHz(snapshot?.cpu_frequency_mhz);
    tiles.push(tile("cpu", "CPU", formatPercent(cpu), cpu, [hw.cpu_model ?? "CPU", freq].join(" · ")));
    const used = snapshot?.ram_used_bytes ?? null;
    const total = snapshot?.ram_total_bytes ?? hw.ram_total_bytes;
    tiles.push(tile("ram", "RAM", formatUsedOfTotalGB(used, total), ratioPercent(used, total), "System memory"));
  }
  if (hw.cpu_temperature_available) {
    const temp = snapshot?.cpu_temperature_c ?? null;
    tiles.push(tile("cpu-temp", "TEMP", formatTemp(temp), temp, "CPU temperature"));
  }
  const samples = new Map((snapshot?.gpus ?? []).map((g) => [g.index, g]));
  for (const device of status.gpu.devices) {
    tiles.push(...gpuTiles(device, samples.get(device.index) ?? null));
  }
  return tiles;
}

function gpuTiles(device: GpuDevice, sample: MonitorSnapshot["gpus"][number] | null): TileModel[] {
  const suffix = `${device.index} (${compactGpuName(device.name)})`;
  const title = `${device.name} · cuda:${device.index}`;
  const tiles: TileModel[] = [];
  if (device.supports.utilization) {
    const util = sample?.utilization_percent ?? null;
    tiles.push(tile(`gpu-${device.index}`, `GPU ${suffix}`, formatPercent(util), util, title));
  }
  if (device.supports.vram) {
    const used = sample?.vram_used_bytes ?? null;
    const total = sample?.vram_total_bytes ?? device.vram_total_bytes;
    tiles.push(tile(`vram-${device.index}`, `VRAM ${suffix}`, formatUsedOfTotalGB(used, total), ratioPercent(used, total), title));
  }
  if (device.supports.temperature) {
    const temp = sample?.temperature_c ?? null;
    tiles.push(tile(`gpu-temp-${device.index}`, `TEMP ${device.index}`, formatTemp(temp), temp, title));
  }
  return tiles;
}
