// Options every command takes, accepted before or after the command name:
// `p2pchat --home /tmp/a serve` and `p2pchat serve --home /tmp/a` are the same.
import type { ArgsDef } from "citty";

export const globalArgs = {
  home: { type: "string", description: "Home folder of the user (default $P2PCHAT_HOME, else ~/.p2pchat; on Windows %APPDATA%\\p2pchat)", valueHint: "DIR" },
  db: { type: "string", description: "Database URL, e.g. mysql://user:pass@host:3306/db (default $P2PCHAT_DB or SQLite in the home)", valueHint: "URL" },
  debug: { type: "boolean", description: "Log debug detail and print stack traces" },
} as const satisfies ArgsDef;

export interface Globals {
  home?: string;
  db?: string;
  debug: boolean;
}

let current: Globals = { debug: false };

export function globals(): Globals {
  return current;
}

/** Removes the global options from argv (up to a `--`) and remembers them. */
export function extractGlobals(argv: readonly string[]): { globals: Globals; rest: string[] } {
  const g: Globals = { debug: false };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    const m = /^--(home|db)(?:=(.*))?$/.exec(a);
    if (m) {
      const value = m[2] ?? argv[++i];
      // `--home --debug` is a forgotten value, not a folder named --debug (`--home=./-x` still can be).
      if (value === undefined || value === "" || (m[2] === undefined && value.startsWith("--"))) throw new MissingValue(`--${m[1]}`);
      g[m[1] as "home" | "db"] = value;
    } else if (a === "--debug") g.debug = true;
    else if (a === "--no-debug") g.debug = false;
    else rest.push(a);
  }
  current = g;
  return { globals: g, rest };
}

export class MissingValue extends Error {
  constructor(readonly flag: string) {
    super(`${flag} needs a value`);
  }
}
