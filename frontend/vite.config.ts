// Builds the extension into ../dist/swissarmyknife.js: one self-contained ES module (CSS injected by
// the components), with ComfyUI's app/api modules left as the exact relative imports ComfyUI serves.
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { transform as transformCss } from "lightningcss";
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
// minifier, terser folds what it left (~1 kB gzip of ~125; passes beyond 4 find nothing more).
function terserPass(): Plugin {
  return {
    name: "swissarmyknife-terser-pass",
    apply: "build",
    enforce: "post",
    async generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== "chunk") continue;
        const result = await minify(chunk.code, { module: true, compress: { passes: 4 }, mangle: { toplevel: true } });
        if (result.code) chunk.code = result.code;
      }
    },
  };
}

// Svelte minifies the CSS it injects only in part (its comments, the whitespace around them and
// around rules stay): lightningcss minifies each component's scoped CSS after compiling (~1.6 kB
// gzip). The rules and their effect are the same; only their spelling is shorter.
function minifyInjectedCss(): Plugin {
  return {
    name: "swissarmyknife-minify-injected-css",
    apply: "build",
    enforce: "post",
    transform: {
      filter: { id: /\.svelte$/ },
      handler(code, id) {
        // The compiled component's `const $$css = { hash: '...', code: '...' };`, found in its syntax
        // tree so the string literal is read exactly, whatever it escapes.
        for (const statement of this.parse(code).body) {
          if (statement.type !== "VariableDeclaration") continue;
          const declarator = statement.declarations[0];
          if (declarator?.id.type !== "Identifier" || declarator.id.name !== "$$css") continue;
          if (declarator.init?.type !== "ObjectExpression") return null;
          for (const property of declarator.init.properties) {
            if (property.type !== "Property" || property.key.type !== "Identifier" || property.key.name !== "code") continue;
            const literal = property.value;
            if (literal.type !== "Literal" || typeof literal.value !== "string") return null;
            const css = transformCss({ filename: id, code: Buffer.from(literal.value), minify: true }).code.toString();
            return { code: code.slice(0, literal.start) + JSON.stringify(css) + code.slice(literal.end), map: null };
          }
        }
        return null;
      },
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
    minifyInjectedCss(),
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
