// Builds the extension into ../dist/swissarmyknife.js: one self-contained ES module (CSS injected by
// the components), with ComfyUI's app/api modules left as the exact relative imports ComfyUI serves.
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { minify } from "terser";
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

// The bundle has a size budget (120 kB gzip, e2e/specs/hud-perf.spec.ts): after the built-in
// minifier, terser's second pass folds what it left (~0.8 kB gzip of ~125).
function terserPass(): Plugin {
  return {
    name: "swissarmyknife-terser-pass",
    apply: "build",
    enforce: "post",
    async generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== "chunk") continue;
        const result = await minify(chunk.code, { module: true, compress: { passes: 2 }, mangle: { toplevel: true } });
        if (result.code) chunk.code = result.code;
      }
    },
  };
}

export default defineConfig({
  plugins: [
    comfyExternals(),
    svelte({
      compilerOptions: {
        css: "injected",
        // Scoping classes by a short hash of the file (s + 5 characters, not svelte- + a hash of
        // the CSS): stable across style edits, and ~0.5 kB gzip less over the bundle.
        cssHash: ({ hash, filename }) => `s${hash(filename ?? "").slice(0, 5)}`,
      },
    }),
    terserPass(),
  ],
  build: {
    outDir: process.env.SWISSARMYKNIFE_BUILD_DIR ?? "../dist",
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
