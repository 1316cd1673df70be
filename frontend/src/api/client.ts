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
    super(body?.message ?? `request failed with HTTP ${status}`);
    this.name = "ApiRequestError";
  }
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
