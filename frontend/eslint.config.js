// Lint for the frontend: the recommended JS, TypeScript and Svelte rules, plus the layer zones that
// keep each folder to its job (ComfyUI_frontend enforces its layers the same way, with lint rules).
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import svelte from "eslint-plugin-svelte";
import globals from "globals";
import ts from "typescript-eslint";

import svelteConfig from "./svelte.config.js";

// A relative import of one of our folders under src/ (every import of ours is relative).
const ours = (folder, rest = "") => `^\\.{1,2}/(?:.*/)?${folder}/${rest}`;

// The bans. Each says why, so a failing import explains the layer it crossed.
const BAN = {
  components: { regex: ours("components"), message: "Components sit on top: nothing below them imports them." },
  stores: { regex: ours("stores"), message: "Stores are built and wired by the composition root (extension.ts); pass them down." },
  storeValues: {
    regex: ours("stores"),
    allowTypeImports: true,
    message: "Components get their stores through props or a context set by the root: import store types only.",
  },
  host: {
    regex: ours("host"),
    message: "Only the composition root (extension.ts) reaches ComfyUI through host/; receive what you need as a dependency.",
  },
  // api/types.ts holds the generated API types and nothing else: any layer may import it, types only.
  apiTypesOnly: { regex: ours("api", "types$"), allowTypeImports: true, message: "api/types holds types only: import type." },
  api: {
    regex: ours("api", "(?!types$)"),
    message: "Only the composition root (extension.ts) talks to the API client; take its functions as dependencies.",
  },
  // Tests may also read the OpenAPI document (a test checks the slider's limits against it).
  apiForTests: {
    regex: ours("api", "(?!types$|openapi\\.gen\\.json$)"),
    message: "Tests build stores with their fakes (src/testing/), not with the API client.",
  },
  // host/ checks our websocket frames against the generated table of events (events.gen.ts).
  apiForHost: {
    regex: ours("api", "(?!types$|events\\.gen$)"),
    message: "Only the composition root (extension.ts) talks to the API client; host/ reads the generated event table only.",
  },
  // Stores tell a refusal (ApiRequestError) from a dropped connection, so they may import the errors.
  apiForStores: {
    regex: ours("api", "(?!types$|errors$)"),
    message: "Stores never fetch: the composition root (extension.ts) hands them the client's functions.",
  },
  comfyui: { regex: "^comfyui/", message: "Only host/ imports ComfyUI's modules (comfyui/app, comfyui/api)." },
  root: { regex: "^\\.{1,2}/(?:\\.\\./)*(extension|main)$", message: "The composition root is imported by nobody but main.ts." },
  testing: { regex: ours("testing"), message: "src/testing/ is for tests: production code never imports it." },
  svelte: { regex: "^svelte(/|$)", message: "lib/ is pure TypeScript: no runes, no components." },
};

// What each folder may not import (production code; tests may also use src/testing/), and the rule
// of its layer, which starts each message.
const ZONES = {
  lib: {
    rule: "lib/ is the pure bottom layer: it imports lib/ and the API's types only.",
    bans: [BAN.components, BAN.stores, BAN.host, BAN.apiTypesOnly, BAN.api, BAN.comfyui, BAN.root, BAN.svelte],
  },
  api: {
    rule: "api/ is the typed client: it knows no component, store or host.",
    bans: [BAN.components, BAN.stores, BAN.host, BAN.comfyui, BAN.root],
  },
  host: {
    rule: "host/ adapts ComfyUI: it knows no component or store.",
    bans: [BAN.components, BAN.stores, BAN.apiTypesOnly, BAN.apiForHost, BAN.root],
  },
  stores: {
    rule: "stores/ hold state and behaviour, and get ComfyUI and the client as dependencies.",
    bans: [BAN.components, BAN.host, BAN.apiTypesOnly, BAN.apiForStores, BAN.comfyui, BAN.root],
  },
  components: {
    rule: "components/ render stores: they never fetch nor touch ComfyUI.",
    bans: [BAN.storeValues, BAN.host, BAN.apiTypesOnly, BAN.api, BAN.comfyui, BAN.root],
  },
  // extension.ts and main.ts: the composition root may import every layer, ComfyUI's modules through host/.
  root: { rule: "The composition root reaches ComfyUI through host/.", bans: [BAN.comfyui] },
};

const TESTS = ["**/*.test.ts"];

function restrict(rule, bans) {
  const patterns = bans.map(({ regex, message, allowTypeImports }) => ({ regex, message: `${rule} ${message}`, allowTypeImports }));
  return ["error", { patterns }];
}

function zone(folder, { rule, bans }) {
  const files = folder === "root" ? ["src/*.ts"] : [`src/${folder}/**/*.ts`, `src/${folder}/**/*.svelte`];
  const tests = folder === "root" ? ["src/*.test.ts"] : [`src/${folder}/**/*.test.ts`];
  return [
    { files, ignores: TESTS, rules: { "no-restricted-imports": restrict(rule, [...bans, BAN.testing]) } },
    // Tests build what they test the way the root does (a component test builds its stores).
    {
      files: tests,
      rules: {
        "no-restricted-imports": restrict(
          rule,
          bans.filter((ban) => ban !== BAN.storeValues).map((ban) => (ban === BAN.api ? BAN.apiForTests : ban)),
        ),
      },
    },
  ];
}

export default defineConfig(
  // Generated from the backend's schemas (scripts/frontend.py gen-api): never edited, never linted.
  globalIgnores(["node_modules/", "**/*.gen.ts", "**/*.gen.json"]),
  js.configs.recommended,
  ts.configs.recommended,
  svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["*.config.{js,ts}"],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ["**/*.svelte", "**/*.svelte.ts"],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: [".svelte"], svelteConfig } },
  },
  {
    rules: {
      // `_name` marks a parameter kept for its position (a transition's unused state, say).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  Object.entries(ZONES).flatMap(([folder, layer]) => zone(folder, layer)),
);
