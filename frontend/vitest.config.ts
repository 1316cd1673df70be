import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [svelte({ compilerOptions: { css: "injected" } }), svelteTesting()],
  resolve: {
    alias: {
      // Tests run without ComfyUI: its modules are replaced by an in-memory fake of the same shape.
      "comfyui/app": fileURLToPath(new URL("./src/testing/fakeComfy.ts", import.meta.url)),
      "comfyui/api": fileURLToPath(new URL("./src/testing/fakeComfy.ts", import.meta.url)),
    },
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.ts"],
    // Stylesheets imported as text (?inline: the design tokens, uPlot's) load as they do in the build.
    css: { include: [/src\/styles\/.+\.css/, /uplot\/dist\/uPlot\.min\.css/] },
    restoreMocks: true,
  },
});
