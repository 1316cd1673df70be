// Builds the extension into ../dist/swissarmyknife.js: one self-contained ES module (CSS injected by
// the components), with ComfyUI's app/api modules left as the exact relative imports ComfyUI serves.
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig, type Plugin } from "vite";

// Source code imports these virtual names; ComfyUI serves the real modules two folders above
// /extensions/<pack>/, and its shims there re-export window.comfyAPI.
const COMFY_MODULES: Record<string, string> = {
  "comfyui/app": "../../scripts/app.js",
  "comfyui/api": "../../scripts/api.js",
};

// A plain `external` entry would be rewritten relative to the importing file; returning the fixed
// id from resolveId keeps the path byte-exact.
function comfyExternals(): Plugin {
  return {
    name: "swissarmyknife-comfy-externals",
    enforce: "pre",
    resolveId(source) {
      const target = COMFY_MODULES[source];
      return target ? { id: target, external: true } : null;
    },
  };
}

export default defineConfig({
  plugins: [comfyExternals(), svelte({ compilerOptions: { css: "injected" } })],
  build: {
    outDir: "../dist",
    emptyOutDir: true,
    target: "es2022",
    minify: true,
    sourcemap: false,
    reportCompressedSize: true,
    lib: {
      entry: "src/main.ts",
      formats: ["es"],
      fileName: () => "swissarmyknife.js",
    },
    rolldownOptions: {
      // Library mode leaves ES output unminified unless the output minifier is asked for here.
      output: { codeSplitting: false, minify: true },
    },
  },
});
