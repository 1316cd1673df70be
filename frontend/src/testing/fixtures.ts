// Typed sample payloads for component and store tests (shapes come from the generated API types).
import type { GpuDevice, MonitorSnapshot, MonitorStatus } from "../api/client";

const GB = 1024 ** 3;

export function gpuDevice(index: number, name: string, vramGb: number): GpuDevice {
  return {
    index,
    name,
    vendor: "nvidia",
    source: "fake",
    uuid: `GPU-${index}`,
    pci_bus_id: null,
    vram_total_bytes: vramGb * GB,
    supports: { utilization: true, vram: true, temperature: true, power: true },
  };
}

export function snapshot(overrides: Partial<MonitorSnapshot> = {}): MonitorSnapshot {
  return {
    sampled_at: 1_700_000_000,
    cpu_percent: 42,
    cpu_frequency_mhz: 3600,
    cpu_temperature_c: 61,
    ram_used_bytes: 12 * GB,
    ram_total_bytes: 32 * GB,
    gpus: [
      {
        index: 0,
        utilization_percent: 95,
        vram_used_bytes: 20 * GB,
        vram_total_bytes: 24 * GB,
        temperature_c: 70,
        power_draw_watts: 300,
        power_limit_watts: 450,
      },
    ],
    ...overrides,
  };
}

export function status(overrides: Partial<MonitorStatus> = {}): MonitorStatus {
  return {
    plugin_version: "0.0.0-test",
    hardware: {
      psutil_available: true,
      cpuinfo_available: true,
      cpu_temperature_available: true,
      cpu_model: "Test CPU",
      cpu_cores_physical: 8,
      cpu_cores_logical: 16,
      ram_total_bytes: 32 * GB,
      platform: "linux",
    },
    gpu: {
      nvml_available: true,
      torch_available: true,
      torch_backend: "cuda",
      devices: [gpuDevice(0, "NVIDIA GeForce RTX 3090 Ti", 24)],
    },
    capabilities_version: 1,
    snapshot: snapshot(),
    sample_interval_s: 2,
    ...overrides,
  };
}
