// Which tiles the bar shows (a preset, or Custom's list of hidden tiles) and how it lays out many
// GPUs: pure, applied to buildTileGroups' groups.
import { worstLevel } from "./thresholds";
import type { TileGroupModel, TileModel } from "./tiles";

export type Preset = "full" | "compact" | "minimal" | "laptop" | "custom";
/** Floating (dragged anywhere), or a full-width strip against the top or bottom edge. */
export type Dock = "float" | "top" | "bottom";

/** The presets in the settings dialog's order, with their names there. */
export const PRESET_OPTIONS: { value: Preset; text: string }[] = [
  { value: "full", text: "Full" },
  { value: "compact", text: "Compact (values only)" },
  { value: "minimal", text: "Minimal (CPU, RAM, VRAM)" },
  { value: "laptop", text: "Laptop (no GPU tiles)" },
  { value: "custom", text: "Custom (Hidden tiles)" },
];
export const DOCK_OPTIONS: { value: Dock; text: string }[] = [
  { value: "float", text: "Floating" },
  { value: "top", text: "Top edge" },
  { value: "bottom", text: "Bottom edge" },
];

/**
 * What each preset hides, as tile kinds (a tile's id less its GPU index: `gpu` is a GPU's
 * utilization). Custom hides its own list instead.
 */
const PRESET_HIDES: Record<Exclude<Preset, "custom">, readonly string[]> = {
  full: [],
  compact: [],
  minimal: ["cpu-temp", "gpu", "gpu-temp"],
  laptop: ["gpu", "vram", "gpu-temp"],
};

/**
 * An entry of Custom's list: a kind hides that tile on every GPU (an 8-GPU box's operator hides
 * every temperature at once); with a GPU index (`vram-3`) only that GPU's, which is what "Hide this
 * tile" adds.
 */
const HIDDEN_ENTRY = /^(cpu|ram|cpu-temp|gpu|vram|gpu-temp)(-\d+)?$/;

/** Four GPUs and more wrap into a grid of this many columns at most (two rows of four for eight). */
const GRID_MAX_COLUMNS = 4;
/** One grid column (a GPU's three tiles, its name shortened), and the grip, chevron and padding around the grid. */
const GRID_COLUMN_PX = 260;
const GRID_FRAME_PX = 80;

export function parsePreset(value: unknown): Preset | null {
  return PRESET_OPTIONS.find((option) => option.value === value)?.value ?? null;
}

export function parseDock(value: unknown): Dock | null {
  return DOCK_OPTIONS.find((option) => option.value === value)?.value ?? null;
}

/** Custom's list from the setting's text ("gpu-temp, vram-3"): known entries, once each. */
export function parseHidden(value: unknown): string[] {
  return [...new Set(String(value ?? "").toLowerCase().split(/[\s,]+/))].filter((entry) => HIDDEN_ENTRY.test(entry));
}

/** A tile's kind: its id less the GPU index ("vram-3" -> "vram"). */
export function tileKind(id: string): string {
  return id.replace(/-\d+$/, "");
}

/** The GPU a tile or group belongs to ("gpu-temp-3" -> 3), null for the host's. */
export function gpuIndexOf(id: string): number | null {
  const match = /-(\d+)$/.exec(id);
  return match ? Number(match[1]) : null;
}

/** What is hidden now, as Custom's entries: where "Hide this tile" starts from, so nothing else reappears. */
export function hiddenBy(preset: Preset, hidden: readonly string[]): readonly string[] {
  return preset === "custom" ? hidden : PRESET_HIDES[preset];
}

/**
 * How many GPU columns the bar's grid has to fit the window: 0 (a row, wrapping where it must) for
 * three GPUs or fewer, or where two columns do not fit (the first row holds the host and the actions).
 */
export function gridColumns(gpuGroups: number, viewportWidth: number): number {
  if (gpuGroups < 4) return 0;
  let columns = Math.min(GRID_MAX_COLUMNS, Math.ceil(gpuGroups / 2));
  while (columns > 1 && columns * GRID_COLUMN_PX + GRID_FRAME_PX > viewportWidth) columns--;
  return columns > 1 ? columns : 0;
}

export interface ArrangedTiles {
  groups: TileGroupModel[];
  /** GPU columns of the grid; 0: one row. */
  columns: number;
}

/**
 * The groups the bar shows: the preset's tiles (a group left empty goes, a group's level is its
 * shown tiles'), no labels in Compact (the tooltip and the accessible name keep them), in a grid
 * each GPU named by its index only, and a GPU whose utilization tile is not shown named on the
 * first tile it shows ("VRAM 3"), so eight VRAM tiles in Minimal still say whose they are.
 */
export function arrangeTiles(groups: readonly TileGroupModel[], preset: Preset, hidden: readonly string[], viewportWidth: number): ArrangedTiles {
  const hides = hiddenBy(preset, hidden);
  const shown = (tile: TileModel) => !hides.includes(tile.id) && !hides.includes(tileKind(tile.id));
  const kept = groups
    .map((group) => {
      const tiles = group.tiles.filter(shown);
      return tiles.length === group.tiles.length ? group : { ...group, tiles, level: worstLevel(tiles.map((t) => t.level)) };
    })
    .filter((group) => group.tiles.length > 0);
  const columns = gridColumns(kept.filter((group) => group.kind === "gpu").length, viewportWidth);
  const compact = preset === "compact";
  const labelled = (group: TileGroupModel): TileGroupModel => {
    if (group.kind === "host" && !compact) return group;
    const index = gpuIndexOf(group.id);
    const tiles = group.tiles.map((tile, i) => {
      const kind = tileKind(tile.id);
      const named = kind === "gpu" ? (columns ? `GPU ${index}` : tile.shortLabel) : i ? tile.shortLabel : `${tile.shortLabel || "TEMP"} ${index}`;
      const shortLabel = compact ? "" : named;
      return shortLabel === tile.shortLabel ? tile : { ...tile, shortLabel };
    });
    return { ...group, tiles };
  };
  return { groups: kept.map(labelled), columns };
}
