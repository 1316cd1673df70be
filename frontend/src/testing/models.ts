// Typed model payloads for the Latest view's tests (a run's model stays, a node's model uses) and a
// run that has them all: a checkpoint there since an earlier run, an upscaler loaded and evicted, a
// VAE loaded again although unchanged, the sampler out of memory at 96 % in use before it.
import type { ModelResidency, ModelUse, NodeRecord, WorkflowRecord } from "../api/types";
import { GIB, MIB, nodeRecord, workflowRecord } from "./fixtures";

export const CHECKPOINT = "sd_xl_base_1.0.safetensors";
export const UPSCALER = "4x-UltraSharp.pth";
export const VAE = "sdxl_vae.safetensors";

/** A stay of `name` on cuda:0 for the whole run, there since an earlier run, unless given. */
export function modelStay(name: string, overrides: Partial<ModelResidency> = {}): ModelResidency {
  return {
    name,
    device: "cuda:0",
    loaded_bytes: 6.5 * GIB,
    from_ms: 0,
    until_ms: null,
    loaded_by_node_id: null,
    used_by_node_ids: [],
    ...overrides,
  };
}

/** What a node did with `name` on cuda:0 (6.5 GiB), unless given. */
export function modelUse(name: string, action: ModelUse["action"], overrides: Partial<ModelUse> = {}): ModelUse {
  return { name, action, device: "cuda:0", loaded_bytes: 6.5 * GIB, ...overrides };
}

const T0 = 1_700_000_000;

function ran(id: string, classType: string, start: number, end: number, extra: Partial<NodeRecord> = {}): NodeRecord {
  return nodeRecord(id, classType, { started_at: T0 + start, ended_at: T0 + end, duration_ms: (end - start) * 1000, ...extra });
}

/**
 * A 10 s run out of memory in its sampler (node 3): the checkpoint there from the start and used by
 * 6, 3 and 8; the upscaler loaded by 10 at 1 s and evicted at 4 s; the VAE loaded again by 8 (in
 * reloaded_models). VRAM before: 40 % at the encoder, 88 % at the upscaler, 96 % at the sampler.
 */
export function runWithModels(overrides: Partial<WorkflowRecord> = {}): WorkflowRecord {
  const nodes = [
    ran("6", "CLIPTextEncode", 0, 1, { models: [modelUse(CHECKPOINT, "used")], vram_free_before_bytes: 14.4 * GIB, vram_percent_before: 40 }),
    ran("10", "ImageUpscaleWithModel", 1, 4, {
      models: [modelUse(UPSCALER, "loaded", { loaded_bytes: 70 * MIB })],
      vram_free_before_bytes: 2.9 * GIB,
      vram_percent_before: 88,
    }),
    ran("3", "KSampler", 4, 9, {
      status: "error",
      models: [modelUse(CHECKPOINT, "used"), modelUse(UPSCALER, "unloaded", { loaded_bytes: 70 * MIB })],
      vram_free_before_bytes: 0.96 * GIB,
      vram_percent_before: 96,
    }),
    ran("8", "VAEDecode", 9, 10, { models: [modelUse(VAE, "loaded", { loaded_bytes: 160 * MIB })], vram_percent_before: null, vram_free_before_bytes: null }),
  ];
  return {
    ...workflowRecord("models", nodes, {
      started_at: T0,
      duration_ms: 10_000,
      status: "oom",
      error: { node_id: "3", node_type: "KSampler", exception_type: "torch.OutOfMemoryError", message: "CUDA out of memory" },
      workflow_name: "Models",
    }),
    model_residency: [
      modelStay(CHECKPOINT, { used_by_node_ids: ["6", "3", "8"] }),
      modelStay(UPSCALER, { loaded_bytes: 70 * MIB, from_ms: 1000, until_ms: 4000, loaded_by_node_id: "10", used_by_node_ids: ["10"] }),
      modelStay(VAE, { loaded_bytes: 160 * MIB, from_ms: 9000, loaded_by_node_id: "8", used_by_node_ids: ["8"] }),
    ],
    reloaded_models: [VAE],
    ...overrides,
  };
}
