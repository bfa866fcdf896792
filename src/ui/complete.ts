// Tab completion for the chat's input: a contact's name (where a name is
// typed: the list's question, `/switch NAME`) and command names. The first
// Tab completes as far as every match agrees; the next ones go through the
// matches one by one, as shells and IRC clients do.

export interface CompletionContext {
  /** The line as typed. */
  line: string;
  /** Names that can be completed, in order. */
  names: readonly string[];
  commands: readonly string[];
  /** Commands whose argument is a name (`/switch`). */
  nameCommands: readonly string[];
  /** Commands whose argument is a path (`/file`), and what a path typed so far may become. */
  pathCommands?: readonly string[];
  paths?: (typed: string) => string[];
  /** A line without a leading / is a name (the list's question), not a message. */
  bareNames: boolean;
}

export class Completer {
  private cycle: { base: string; matches: string[]; at: number; produced: string } | null = null;

  /** The line after Tab, or null when nothing completes. */
  complete(ctx: CompletionContext): string | null {
    const { line } = ctx;
    if (this.cycle && this.cycle.produced === line && this.cycle.matches.length > 1) {
      const c = this.cycle;
      c.at = (c.at + 1) % c.matches.length;
      c.produced = c.base + c.matches[c.at]!;
      return c.produced;
    }
    this.cycle = null;
    let base: string;
    let word: string;
    let options: readonly string[];
    let suffix = "";
    const m = /^(\/\S+)(\s+)(\S*)$/.exec(line);
    const p = /^(\/\S+\s+)(.*)$/.exec(line);
    if (p && ctx.paths && ctx.pathCommands?.includes(p[1]!.trim())) {
      // A path may hold spaces: everything after the command is it. Prefixes only (no "contains" guesses).
      const matches = ctx.paths(p[2]!);
      if (matches.length === 0) return null;
      if (matches.length === 1) return p[1]! + matches[0]!;
      const common = commonPrefix(matches);
      if (common.length > p[2]!.length) return p[1]! + common;
      const at = (matches.indexOf(p[2]!) + 1) % matches.length;
      this.cycle = { base: p[1]!, matches, at, produced: p[1]! + matches[at]! };
      return this.cycle.produced;
    }
    if (m && ctx.nameCommands.includes(m[1]!)) {
      [base, word, options] = [m[1]! + m[2]!, m[3]!, ctx.names];
    } else if (/^\/\S*$/.test(line)) {
      [base, word, options, suffix] = ["", line, ctx.commands, " "];
    } else if (ctx.bareNames && /^\S*$/.test(line)) {
      [base, word, options] = ["", line, ctx.names];
    } else {
      return null;
    }
    const matches = options.filter((o) => o.startsWith(word));
    if (matches.length === 0) {
      // Not a prefix: a name that merely contains the text still helps.
      const lower = word.toLowerCase();
      matches.push(...options.filter((o) => o.toLowerCase().includes(lower)));
    }
    if (matches.length === 0) return null;
    if (matches.length === 1) return base + matches[0]! + suffix;
    const common = commonPrefix(matches);
    if (common.length > word.length) return base + common;
    // What is typed may be one of them already: the next one then.
    const at = (matches.indexOf(word) + 1) % matches.length;
    this.cycle = { base, matches, at, produced: base + matches[at]! };
    return this.cycle.produced;
  }
}

function commonPrefix(words: readonly string[]): string {
  let p = words[0] ?? "";
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}
