// A running workflow's VRAM pressure on the bar: which GPU's VRAM tile it marks, what the tile says
// about it ("VRAM 96 % before KSampler"), and the tiles with the mark applied. Pure.
import type { GpuDevice, VramPressureEvent } from "../api/types";
import { worstLevel, type Level } from "./thresholds";
import type { TileGroupModel, TileModel } from "./tiles";

export type PressureLevel = "warning" | "critical";

/** A run's raised level, as the last vram_pressure event of the run said it. */
export interface Pressure {
  promptId: string;
  level: PressureLevel;
  nodeId: string | null;
  nodeType: string | null;
  percent: number | null;
  totalBytes: number | null;
  /** torch's index of the device the server read (null: it did not say). */
  deviceIndex: number | null;
}

/** The raised level an event says, or null when it says the run is back to normal (or ended). */
export function pressureOf(event: VramPressureEvent): Pressure | null {
  if (event.level === "normal" || event.node_id === null) return null;
  return {
    promptId: event.prompt_id,
    level: event.level,
    nodeId: event.node_id,
    nodeType: event.node_type,
    percent: event.percent,
    totalBytes: event.total_bytes,
    deviceIndex: event.device_index ?? null,
  };
}

/** "VRAM 96 % before KSampler": the figure the server measured, and the node it was measured before. */
export function pressureText(pressure: Pressure): string {
  const percent = pressure.percent === null || !Number.isFinite(pressure.percent) ? "high" : `${Math.round(pressure.percent)} %`;
  const node = pressure.nodeType ?? (pressure.nodeId ? `node #${pressure.nodeId}` : "the next node");
  return `VRAM ${percent} before ${node}`;
}

// Totals read by NVML and by torch differ by a few MiB (reserved regions).
const SAME_DEVICE_TOLERANCE = 0.02;

/**
 * The GPU (torch index) the run's memory was read on: the one the event names when that GPU reports
 * VRAM; else (an event without a device) the GPU with VRAM whose total matches the event's, the
 * first such by index (or the first GPU with VRAM when none matches); null without a GPU that
 * reports VRAM.
 */
export function pressureDevice(devices: readonly GpuDevice[], totalBytes: number | null, deviceIndex: number | null = null): number | null {
  const withVram = devices.filter((d) => d.supports.vram).sort((a, b) => a.index - b.index);
  if (deviceIndex !== null && withVram.some((d) => d.index === deviceIndex)) return deviceIndex;
  if (totalBytes !== null && totalBytes > 0) {
    const same = withVram.find(
      (d) => d.vram_total_bytes !== null && Math.abs(d.vram_total_bytes - totalBytes) <= SAME_DEVICE_TOLERANCE * totalBytes,
    );
    if (same) return same.index;
  }
  return withVram[0]?.index ?? null;
}

const RAISED: Record<PressureLevel, Level> = { warning: "hot", critical: "critical" };

/** The tiles with the pressure on its GPU's VRAM tile (its fill and its GPU's collapsed dot at least as hot as the level). */
export function withPressure(groups: readonly TileGroupModel[], devices: readonly GpuDevice[], pressure: Pressure | null): TileGroupModel[] {
  if (!pressure) return [...groups];
  const index = pressureDevice(devices, pressure.totalBytes, pressure.deviceIndex);
  if (index === null) return [...groups];
  const id = `vram-${index}`;
  return groups.map((group) => {
    if (!group.tiles.some((t) => t.id === id)) return group;
    const raised = (tile: TileModel): TileModel => ({
      ...tile,
      level: worstLevel([tile.level, RAISED[pressure.level]]),
      pressure: { level: pressure.level, text: pressureText(pressure) },
    });
    const tiles = group.tiles.map((tile) => (tile.id === id ? raised(tile) : tile));
    return { ...group, tiles, level: worstLevel([group.level, RAISED[pressure.level]]) };
  });
}
