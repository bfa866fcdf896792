// citty accepts any flag and ignores extra words; we refuse both with one
// clear line, so a typo never silently does something else.
import type { ArgsDef, CommandDef } from "citty";
import { UsageError } from "../exit-codes.ts";
import { nearest } from "./nearest.ts";

/** Commands whose trailing words are data (`send NAME TEXT...`). */
const variadic = new WeakSet<object>();

export function markVariadic<T extends object>(cmd: T): T {
  variadic.add(cmd);
  return cmd;
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export async function checkArgs(cmd: CommandDef<ArgsDef>, args: readonly string[], where: string): Promise<void> {
  const defs: ArgsDef = typeof cmd.args === "function" ? await cmd.args() : ((await cmd.args) ?? {});
  const byName = new Map<string, ArgsDef[string]>();
  for (const [name, def] of Object.entries(defs)) {
    for (const n of [name, camel(name), kebab(name)]) byName.set(n, def);
    const aliases = "alias" in def && def.alias ? (Array.isArray(def.alias) ? def.alias : [def.alias]) : [];
    for (const a of aliases) byName.set(a, def);
  }
  const positionals = Object.values(defs).filter((d) => d.type === "positional").length;
  let seen = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      seen += args.length - i - 1;
      break;
    }
    if (a.startsWith("-") && a.length > 1 && !/^-\d/.test(a)) {
      const name = a.replace(/^--?/, "").split("=")[0]!;
      const def = byName.get(name) ?? (name.startsWith("no-") ? byName.get(name.slice(3)) : undefined);
      if (!def || def.type === "positional") {
        const options = Object.entries(defs).filter(([, d]) => d.type !== "positional").map(([n]) => kebab(n));
        const near = nearest(name, options);
        throw new UsageError(`unknown option ${a.split("=")[0]} for \`${where}\`${near ? `: did you mean --${near}?` : ""}`, where);
      }
      if ((def.type === "string" || def.type === "enum") && !a.includes("=") && !name.startsWith("no-")) {
        if (args[i + 1] === undefined) throw new UsageError(`${a} needs a value`, where);
        i++;
      }
      continue;
    }
    seen++;
  }
  if (seen > positionals && !variadic.has(cmd)) {
    throw new UsageError(`unexpected argument ${JSON.stringify(args.filter((a) => !a.startsWith("-"))[positionals] ?? "")} for \`${where}\``, where);
  }
}
