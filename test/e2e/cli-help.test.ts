// Help as people look for it: `p2pchat help [CMD]`, `CMD --help` listing
// subcommands, and a typo answered with the nearest command or option.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { runCli } from "../helpers/cli.ts";

setDefaultTimeout(60_000);

describe("help", () => {
  test.concurrent("p2pchat help [CMD...] is CMD --help, byte for byte", async () => {
    for (const words of [[], ["chat"], ["contacts"], ["contacts", "add"], ["db", "migrate"]]) {
      const help = await runCli(["help", ...words]);
      const flag = await runCli([...words, "--help"]);
      expect(help).toEqual(flag);
      expect(help.exitCode).toBe(0);
      expect(help.stdout).toContain(`USAGE p2pchat${words.length ? " " + words.join(" ") : ""}`);
    }
    expect((await runCli(["--help"])).stdout).toMatch(/^\s+help\s+Show how to use p2pchat/m);
  });

  test.concurrent("contacts --help lists every subcommand with its description, not the default list's options", async () => {
    const r = await runCli(["contacts", "--help"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("USAGE p2pchat contacts [OPTIONS] list|add|rm|set|pin|block|unblock");
    for (const [sub, words] of [
      ["list", "List contacts"],
      ["add", "Add a contact"],
      ["rm", "Remove a contact"],
      ["set", "Change a contact's address or name"],
      ["pin", "Pin a contact"],
      ["block", "Refuse this peer's links"],
      ["unblock", "Accept this peer again"],
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${sub}\\s+${words}`, "m"));
    }
    expect(r.stdout).not.toContain("--json");
    // `contacts` alone still lists them, and `contacts list --help` is list's.
    expect((await runCli(["contacts", "list", "--help"])).stdout).toContain("--json");
  });

  const typos: [string[], string][] = [
    [["chta"], 'p2pchat: unknown command "chta" for `p2pchat`: did you mean chat? (see `p2pchat --help`)\n'],
    [["serv"], 'p2pchat: unknown command "serv" for `p2pchat`: did you mean serve? (see `p2pchat --help`)\n'],
    [["histroy", "bob"], 'p2pchat: unknown command "histroy" for `p2pchat`: did you mean history? (see `p2pchat --help`)\n'],
    [["contacts", "ad", "bob", "1.2.3.4:5"], 'p2pchat: unknown command "ad" for `p2pchat contacts`: did you mean add? (see `p2pchat contacts --help`)\n'],
    [["contacts", "blokc", "bob"], 'p2pchat: unknown command "blokc" for `p2pchat contacts`: did you mean block? (see `p2pchat contacts --help`)\n'],
    [["help", "chta"], 'p2pchat: unknown command "chta" for `p2pchat`: did you mean chat? (see `p2pchat --help`)\n'],
    [["history", "--jsno"], "p2pchat: unknown option --jsno for `p2pchat history`: did you mean --json? (see `p2pchat history --help`)\n"],
  ];
  for (const [args, stderr] of typos) {
    test.concurrent(`a typo: ${args.join(" ")} -> the nearest, exit 2, nothing done`, async () => {
      expect(await runCli(args)).toEqual({ stdout: "", stderr, exitCode: 2 });
    });
  }

  test.concurrent("nothing near: the list of commands", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.stderr).toMatch(/^p2pchat: unknown command "frobnicate" for `p2pchat` \(one of: init, id, serve, chat, .*, help\) \(see `p2pchat --help`\)\n$/);
    expect(r.exitCode).toBe(2);
  });
});
