// Fixtures of the regression report: one workflow 52 % slower in its sampler, run in a new environment.
import type { EnvironmentFingerprint, RegressionReport, WorkflowRegression } from "../api/types";

export function regression(overrides: Partial<WorkflowRegression> = {}): WorkflowRegression {
  return {
    workflow_hash: "0123456789abcdef",
    workflow_name: "portrait",
    latest_prompt_id: "run-new",
    latest_started_at: 1_700_000_600,
    shifts: [{ metric: "duration", recent: 4700, median: 3100, stdev: 258, change_percent: 51.6, sigmas: 6.2 }],
    moved_nodes: [
      { node_id: "3", class_type: "KSampler", title: null, recent_ms: 2600, usual_ms: 1000, change_ms: 1600 },
      { node_id: "8", class_type: "VAEDecode", title: "Decode", recent_ms: 320, usual_ms: 300, change_ms: 20 },
    ],
    recent_runs: 3,
    history_runs: 20,
    recent_environment_id: 2,
    usual_environment_id: 1,
    baseline_prompt_id: null,
    ...overrides,
  };
}

export function regressionReport(overrides: Partial<RegressionReport> = {}): RegressionReport {
  return {
    rule: { percent: 20, sigma: 3, window_runs: 20, recent_runs: 3 },
    workflows: [regression()],
    node_classes: [{ class_type: "KSampler", shift: { metric: "duration", recent: 2600, median: 1000, stdev: 50, change_percent: 160, sigmas: 32 }, recent_runs: 3, history_runs: 20 }],
    checked_workflows: 4,
    checked_node_classes: 9,
    ...overrides,
  };
}

/** A ComfyUI 0.27 environment on one RTX 4090, torch 2.12.0, no launch flags, unless given. */
export function fingerprint(overrides: Partial<EnvironmentFingerprint> = {}): EnvironmentFingerprint {
  return {
    host: "comfyui",
    comfyui_version: "0.27.0",
    frontend_version: "1.45.20",
    python_version: "3.12.3",
    torch_version: "2.12.0",
    cuda_version: "12.8",
    hip_version: null,
    gpu_names: ["NVIDIA GeForce RTX 4090"],
    gpu_driver_version: "570.86",
    pack_version: "0.1.0",
    platform: "Linux-6.8",
    launch_flags: [],
    ...overrides,
  };
}
