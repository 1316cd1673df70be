// The typed API client: openapi-fetch over ComfyUI's api.fetchApi, types generated from the backend.
import createClient from "openapi-fetch";

import { fetchApi } from "../host/comfy";
import type { components, paths } from "./schema.gen";

export type Schemas = components["schemas"];
export type MonitorStatus = Schemas["MonitorStatus"];
export type MonitorSnapshot = Schemas["MonitorSnapshot"];
export type MonitorEvent = Schemas["MonitorEvent"];
export type GpuDevice = Schemas["GpuDevice"];
export type GpuSample = Schemas["GpuSample"];
export type ErrorBody = Schemas["ErrorBody"];
export type MonitorSettings = Schemas["MonitorSettings"];
export type MonitorSettingsUpdate = Schemas["MonitorSettingsUpdate"];
export type SessionInfo = Schemas["SessionInfo"];
export type QueueState = Schemas["QueueState"];
export type RestartAccepted = Schemas["RestartAccepted"];
export type RestartEvent = Schemas["RestartEvent"];
export type ClearVramResult = Schemas["ClearVramResult"];
export type VramDeviceReport = Schemas["VramDeviceReport"];

// openapi-fetch builds absolute Requests; this placeholder origin is stripped again below so that
// ComfyUI's fetchApi adds the real base path (sub-path proxies) and the /api prefix.
const PLACEHOLDER_ORIGIN = "http://swissarmyknife.invalid";

async function viaComfy(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const init: RequestInit = { method: request.method, headers: request.headers };
  if (request.method !== "GET" && request.method !== "HEAD") {
    init.body = await request.text();
  }
  return fetchApi(url.pathname + url.search, init);
}

export const client = createClient<paths>({ baseUrl: PLACEHOLDER_ORIGIN, fetch: viaComfy });

/** A refused or failed request, with the server's message when it sent one. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | null,
  ) {
    super(describeError(status, body));
    this.name = "ApiRequestError";
  }
}

/** The server's sentence plus what was wrong with which field, e.g. "invalid body (sample_interval_s: ...)". */
function describeError(status: number, body: ErrorBody | null): string {
  if (!body) return `request failed with HTTP ${status}`;
  const details = (body.details ?? []).map((d) => `${d.location.replace(/^(body|query)\./, "")}: ${d.message}`);
  return details.length > 0 ? `${body.message} (${details.join("; ")})` : body.message;
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === "object" && value !== null && "message" in value && "error" in value;
}

export async function getMonitorStatus(): Promise<MonitorStatus> {
  const { data, error, response } = await client.GET("/swissarmyknife/monitor/status");
  if (data === undefined) {
    throw new ApiRequestError(response.status, isErrorBody(error) ? error : null);
  }
  return data;
}

export async function getMonitorSettings(): Promise<MonitorSettings> {
  const { data, error, response } = await client.GET("/swissarmyknife/monitor/settings");
  if (data === undefined) {
    throw new ApiRequestError(response.status, isErrorBody(error) ? error : null);
  }
  return data;
}

export async function updateMonitorSettings(update: MonitorSettingsUpdate): Promise<MonitorSettings> {
  const { data, error, response } = await client.PUT("/swissarmyknife/monitor/settings", { body: update });
  if (data === undefined) {
    throw new ApiRequestError(response.status, isErrorBody(error) ? error : null);
  }
  return data;
}

/** The page's token for server actions, whether they are allowed here, and the server's boot id. */
export async function getSession(): Promise<SessionInfo> {
  const { data, error, response } = await client.GET("/swissarmyknife/session");
  if (data === undefined) {
    throw new ApiRequestError(response.status, isErrorBody(error) ? error : null);
  }
  return data;
}

/** Ask the server to restart; a refusal throws ApiRequestError, a dropped connection a TypeError. */
export async function postRestart(token: string): Promise<RestartAccepted> {
  const { data, error, response } = await client.POST("/swissarmyknife/restart", {
    params: { header: { "X-SwissArmyKnife-Token": token } },
    body: {},
  });
  if (data === undefined) {
    throw new ApiRequestError(response.status, isErrorBody(error) ? error : null);
  }
  return data;
}

/** Unload models and free cached GPU memory; 409 (ApiRequestError) while a workflow runs or waits. */
export async function postClearVram(token: string): Promise<ClearVramResult> {
  const { data, error, response } = await client.POST("/swissarmyknife/monitor/clear-vram", {
    params: { header: { "X-SwissArmyKnife-Token": token } },
    body: {},
  });
  if (data === undefined) {
    throw new ApiRequestError(response.status, isErrorBody(error) ? error : null);
  }
  return data;
}
