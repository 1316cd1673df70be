// What the tile menu copies: one tile's value, or one line of every metric.
import { gpuIndexOf } from "./presets";
import type { TileGroupModel, TileModel } from "./tiles";

/** "VRAM 0 (3090Ti): 12.3/24 GiB"; undefined for no tile (gone since the menu opened). */
export function tileText(tile: TileModel | undefined): string | undefined {
  return tile && `${tile.label}: ${tile.value}`;
}

/** Every metric on one line, hidden tiles too: "CPU 12% · RAM 10.1/64 GiB · GPU0 45% 12.3/24 GiB 61°C". */
export function summaryText(groups: readonly TileGroupModel[]): string {
  return groups
    .map((group) =>
      group.kind === "gpu"
        ? `GPU${gpuIndexOf(group.id)} ${group.tiles.map((tile) => tile.value).join(" ")}`
        : group.tiles.map((tile) => `${tile.label} ${tile.value}`).join(" · "),
    )
    .join(" · ");
}

export function findTile(groups: readonly TileGroupModel[], id: string): TileModel | undefined {
  return groups.flatMap((group) => group.tiles).find((tile) => tile.id === id);
}
