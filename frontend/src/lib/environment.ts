// What differed between the environments two runs ran in, in words ("torch 2.12.0 → 2.13.0",
// "--lowvram added"): only the fields that differ, so a comparison says why a run may be slower
// when the workflow did not change. Pure: the compare view renders the lines.
import type { EnvironmentFingerprint, LaunchFlag } from "../api/types";

const NONE = "none";
const ARROW = "→";

/** The fields compared, in the order shown, with their label; each reads "label a → b". */
const FIELDS: readonly [keyof EnvironmentFingerprint, string][] = [
  ["host", "host"],
  ["comfyui_version", "ComfyUI"],
  ["frontend_version", "frontend"],
  ["python_version", "Python"],
  ["torch_version", "torch"],
  ["cuda_version", "CUDA"],
  ["hip_version", "ROCm/HIP"],
  ["gpu_names", "GPUs"],
  ["gpu_driver_version", "GPU driver"],
  ["pack_version", "SwissArmyKnife"],
  ["platform", "platform"],
];

function text(value: EnvironmentFingerprint[keyof EnvironmentFingerprint]): string {
  if (Array.isArray(value)) return value.length ? value.map((v) => (typeof v === "string" ? v : v.name)).join(", ") : NONE;
  return value ?? NONE;
}

const flag = (f: LaunchFlag) => (f.value === null ? f.name : `${f.name} ${f.value}`);

/** How the launch flags changed: "--lowvram added", "--reserve-vram 2 → 4", "--highvram removed". */
export function flagChanges(before: readonly LaunchFlag[], after: readonly LaunchFlag[]): string[] {
  const old = new Map(before.map((f) => [f.name, f]));
  const lines: string[] = [];
  for (const f of after) {
    const was = old.get(f.name);
    old.delete(f.name);
    if (!was) lines.push(`${flag(f)} added`);
    else if (was.value !== f.value) lines.push(`${f.name} ${was.value ?? "(on)"} ${ARROW} ${f.value ?? "(on)"}`);
  }
  for (const f of old.values()) lines.push(`${flag(f)} removed`);
  return lines;
}

/** The fields of `after` that differ from `before`, each in words; empty when they are the same. */
export function environmentChanges(before: EnvironmentFingerprint, after: EnvironmentFingerprint): string[] {
  const lines: string[] = [];
  for (const [key, label] of FIELDS) {
    const a = text(before[key]);
    const b = text(after[key]);
    if (a !== b) lines.push(`${label} ${a} ${ARROW} ${b}`);
  }
  return [...lines, ...flagChanges(before.launch_flags, after.launch_flags)];
}

/** One side of a comparison: its fingerprint, not recorded (no id), or why it could not be read. */
export type EnvironmentSide = { kind: "known"; fingerprint: EnvironmentFingerprint } | { kind: "unknown"; why: string };

/** What the compare view says: the differences, "same environment", or why it cannot say. */
export type EnvironmentDiff = { kind: "same" } | { kind: "changed"; lines: string[] } | { kind: "unknown"; why: string };

export function diffSides(before: EnvironmentSide, after: EnvironmentSide, sameId: boolean): EnvironmentDiff {
  if (sameId && before.kind === "known") return { kind: "same" };
  if (before.kind === "unknown") return { kind: "unknown", why: `before: ${before.why}` };
  if (after.kind === "unknown") return { kind: "unknown", why: `after: ${after.why}` };
  const lines = environmentChanges(before.fingerprint, after.fingerprint);
  return lines.length ? { kind: "changed", lines } : { kind: "same" };
}
