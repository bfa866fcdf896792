// `--web HOST:PORT` and `--no-web` for commands that run a node (serve,
// chat): where the page is served this run, over the config's `web`.
import type { ArgsDef } from "citty";
import type { Config } from "../../home/home.ts";
import { WEB_DEFAULT } from "../../home/home.ts";
import { NodeError } from "../../domain/node-error.ts";
import { isLoopbackBind, parseWebBind, type WebBind } from "../../web/web-address.ts";
import { UsageError } from "../exit-codes.ts";

export const webArgs = {
  web: { type: "string", description: `Serve the page on HOST:PORT (default: the config's, ${WEB_DEFAULT}); --no-web: no page this run`, valueHint: "HOST:PORT" },
} as const satisfies ArgsDef;

export interface WebChoice {
  /** Where to serve the page; null: no page. */
  bind: WebBind | null;
  /** Asked for by name (a flag, or a config other than the default): a taken port is an error, not the next one. */
  named: boolean;
}

/**
 * The flag given (`--no-web` arrives as false), else the config's setting.
 * Refused before any node starts: an address that is not this page's to
 * take, and one beyond loopback with no password set (NO_PASSWORD).
 */
export function webChoice(args: { web?: string | boolean }, config: Config, command = "p2pchat serve"): WebChoice {
  if (args.web === false) return { bind: null, named: true };
  let choice: WebChoice;
  if (typeof args.web === "string") {
    try {
      choice = { bind: parseWebBind(args.web), named: true };
    } catch (err) {
      throw new UsageError(`--web: ${(err as Error).message}`, command);
    }
  } else {
    try {
      choice = { bind: parseWebBind(config.web), named: config.web !== WEB_DEFAULT };
    } catch (err) {
      throw new NodeError("BAD_CONFIG", `config.json "web": ${(err as Error).message}`, { cause: err });
    }
  }
  if (choice.bind && !isLoopbackBind(choice.bind.host) && !config.webPassword) throw NodeError.webNeedsPassword(choice.bind.host);
  return choice;
}
