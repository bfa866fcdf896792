// The page's scripts, bundled by Bun for the browser: `page/app.ts` (the
// chat) and `page/login.ts` (the sign-in page), each one file with its
// modules inside. build.ts bundles them once and stamps them into the
// binary (`define`); run from source, the server bundles them on the first
// request. No Node, no npm and no CDN at run time.
import { join } from "node:path";

export const PAGE_ENTRIES = { app: "app.ts", login: "login.ts" } as const;
export type PageScript = keyof typeof PAGE_ENTRIES;
export type PageScripts = Record<PageScript, string>;

/** Bundles the page's scripts from src/web/page/ (on disk: from source, or in build.ts). */
export async function bundlePage(opts: { minify: boolean }): Promise<PageScripts> {
  const dir = join(import.meta.dir, "page");
  const names = Object.keys(PAGE_ENTRIES) as PageScript[];
  const result = await Bun.build({
    entrypoints: names.map((n) => join(dir, PAGE_ENTRIES[n])),
    target: "browser",
    format: "esm",
    minify: opts.minify,
    sourcemap: "none",
  });
  if (!result.success) throw new Error(`the page's scripts do not build: ${result.logs.map(String).join("\n")}`);
  const out = {} as PageScripts;
  for (const name of names) {
    const stem = PAGE_ENTRIES[name].replace(/\.ts$/, ".js");
    const artifact = result.outputs.find((o) => o.kind === "entry-point" && o.path.endsWith(`/${stem}`));
    if (!artifact) throw new Error(`the page's bundle has no ${stem}`);
    out[name] = await artifact.text();
  }
  return out;
}
