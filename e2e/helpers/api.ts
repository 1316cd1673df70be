// A host's JSON answer in a spec: the route must answer 200 (named in the failure), its body typed by the caller.
import { expect } from "@playwright/test";

export async function getJson<T>(baseUrl: string, route: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${baseUrl}${route}`, init);
  expect(response.status, route).toBe(200);
  return (await response.json()) as T;
}
