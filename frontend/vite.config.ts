// Builds the extension into ../dist/swissarmyknife.js: one self-contained ES module (CSS injected by
// the components), with ComfyUI's app/api modules left as the exact relative imports ComfyUI serves.
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { transform as transformCss } from "lightningcss";
import { minify } from "terser";
import { defineConfig, minify as minifyWithOxc, type Plugin } from "vite";

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

// Library code we never run, cut at its source where no minifier can tell it is dead: each edit
// must match exactly (else the build stops: a new version to look at again), and our own code
// using what was cut stops the build too.
interface BuiltOut {
  name: string;
  file: RegExp;
  edits: [from: string, to: string][];
  /** What in our sources (src/) would use what was cut. */
  use: RegExp;
}

function builtOut({ name, file, edits, use }: BuiltOut): Plugin {
  return {
    name: `swissarmyknife-without-${name}`,
    apply: "build",
    transform(code, id) {
      if (/[\\/]frontend[\\/]src[\\/]/.test(id) && use.test(code)) this.error(`${id} uses ${name}, which vite.config.ts builds out of the bundle`);
      if (!file.test(id)) return null;
      for (const [from, to] of edits) {
        if (!code.includes(from)) this.error(`${id}: no \`${from}\` to build ${name} out (a new version?)`);
        code = code.replace(from, to);
      }
      return { code, map: null };
    },
  };
}

const WITHOUT = [
  // We only mount(), never hydrate() server-rendered HTML, yet every block keeps its hydration
  // branches: Svelte guards them with `hydrating` so they can be tree-shaken, but a `let` that
  // set_hydrating() may set is one no minifier folds. A constant false, they go (~1.7 kB gzip).
  builtOut({
    name: "Svelte's hydration",
    file: /[\\/]svelte[\\/]src[\\/]internal[\\/]client[\\/]dom[\\/]hydration\.js$/,
    edits: [
      ["export let hydrating = false;", "export const hydrating = false;"],
      ["hydrating = value;", 'if (value) throw new Error("hydrate() is built out of this bundle (vite.config.ts)");'],
    ],
    use: /import\s*\{[^}]*\bhydrate\b[^}]*\}\s*from\s*["']svelte["']/,
  }),
  // uPlot's build leaves out, by its flags (src/feats.js), what an app does not use; its dist has
  // them all. We draw lines and bars, with data aligned already: spline and stepped paths and
  // join() go (~1.4 kB gzip). uPlot's types have paths.spline and paths.stepped optional.
  builtOut({
    name: "uPlot's spline and stepped paths and join()",
    file: /[\\/]uplot[\\/]dist[\\/]uPlot\.esm\.js$/,
    edits: [
      ["(paths.stepped = stepped);", ""],
      ["(paths.spline  = monotoneCubic);", ""],
      ["uPlot.join = join;", ""],
    ],
    use: /\bpaths\.(spline|stepped)\b|\buPlot\.join\b/,
  }),
];

// The bundle has a size budget (120 kB gzip, e2e/specs/hud-perf.spec.ts): after the built-in
// minifier, terser folds what it left (~1 kB gzip of ~125; passes beyond 4 find nothing more), and
// the built-in minifier (oxc) once more folds what terser wrote and renames for gzip (~0.6 kB).
function terserPass(): Plugin {
  return {
    name: "swissarmyknife-terser-pass",
    apply: "build",
    enforce: "post",
    async generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== "chunk") continue;
        const result = await minify(chunk.code, { module: true, compress: { passes: 4 }, mangle: { toplevel: true } });
        if (!result.code) continue;
        const again = await minifyWithOxc(chunk.fileName, result.code, { module: true });
        if (again.errors.length > 0) this.error(`oxc could not minify terser's output: ${again.errors[0]?.message}`);
        chunk.code = again.code;
      }
    },
  };
}

// Svelte minifies the CSS it injects only in part (its comments, the whitespace around them and
// around rules stay): lightningcss minifies each component's scoped CSS after compiling (~1.6 kB
// gzip). The rules and their effect are the same; only their spelling is shorter.
// Each component's CSS string would then sit among its JavaScript, where gzip finds little of it
// to repeat: the strings go together into one array at the top of the bundle and each component's
// `$$css` takes its entry (~2 kB gzip). Every component still injects its own CSS when it mounts.
function injectedCss(): Plugin {
  const styles = new Map<string, string>();
  const marker = (hash: string) => `__SWISSARMYKNIFE_CSS_${hash}__`;
  return {
    name: "swissarmyknife-injected-css",
    apply: "build",
    enforce: "post",
    transform: {
      filter: { id: /\.svelte$/ },
      handler(code, id) {
        // A component without <style> has none. Else its `const $$css = { hash: '...', code: '...' };`,
        // found in its syntax tree so the string literals are read exactly, whatever they escape.
        if (!code.includes("$$css")) return null;
        for (const statement of this.parse(code).body) {
          if (statement.type !== "VariableDeclaration") continue;
          const declarator = statement.declarations[0];
          if (declarator?.id.type !== "Identifier" || declarator.id.name !== "$$css") continue;
          if (declarator.init?.type !== "ObjectExpression") break;
          const literals = new Map<string, { value: string; start: number; end: number }>();
          for (const property of declarator.init.properties) {
            if (property.type !== "Property" || property.key.type !== "Identifier") continue;
            const { value } = property;
            if (value.type === "Literal" && typeof value.value === "string") literals.set(property.key.name, { ...value, value: value.value });
          }
          const hash = literals.get("hash");
          const css = literals.get("code");
          if (!hash || !css) break;
          styles.set(hash.value, transformCss({ filename: id, code: Buffer.from(css.value), minify: true }).code.toString());
          return { code: code.slice(0, css.start) + JSON.stringify(marker(hash.value)) + code.slice(css.end), map: null };
        }
        this.error(`${id}: no \`const $$css = { hash, code }\` in Svelte's output (a new compiler?)`);
      },
    },
    // After the minifiers (listed after terserPass): the markers are still the string literals
    // written above, whatever quotes the minifiers chose.
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== "chunk") continue;
        const name = "$swissarmyknifeCss";
        if (chunk.code.includes(name)) this.error(`${chunk.fileName} already uses the name ${name}`);
        const used: string[] = [];
        chunk.code = chunk.code.replace(/(["'`])__SWISSARMYKNIFE_CSS_(s[0-9a-z]+)__\1/g, (_literal, _quote, hash: string) => {
          const css = styles.get(hash);
          if (css === undefined) this.error(`${chunk.fileName}: no CSS for ${hash}`);
          used.push(css);
          return `${name}[${used.length - 1}]`;
        });
        if (used.length > 0) chunk.code = `const ${name}=[${used.map((css) => JSON.stringify(css)).join(",")}];\n${chunk.code}`;
      }
    },
  };
}

export default defineConfig({
  plugins: [
    comfyExternals(),
    ...WITHOUT,
    svelte({
      compilerOptions: {
        css: "injected",
        // Scoping classes by a short hash of the file (s + 5 characters, not svelte- + a hash of
        // the CSS): stable across style edits, and ~0.5 kB gzip less over the bundle.
        cssHash: ({ hash, filename }) => `s${hash(filename ?? "").slice(0, 5)}`,
      },
    }),
    terserPass(),
    injectedCss(),
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
