// The page of a node this process runs (serve, or a chat, send or add that
// hosts one): it reaches the node through control/'s operations, checked as
// the control socket checks them, and its event stream.
import { runRequest } from "../../control/ops.ts";
import { formatHostPort } from "../../domain/host-port.ts";
import { loadConfig } from "../../home/home.ts";
import type { Local } from "../../home/open-local.ts";
import type { ChatNode } from "../../node/node.ts";
import { WebServer, type WebOptions } from "../../web/web-server.ts";
import type { WebChoice } from "../args/web-args.ts";

/** Serves the page for `node` as `choice` says; null for no page. Throws when it cannot. */
export function startPage(l: Local, node: ChatNode, choice: WebChoice, more: Pick<WebOptions, "maxUpload"> = {}): WebServer | null {
  if (!choice.bind) return null;
  return WebServer.start(
    {
      home: l.home,
      peerId: node.peerId,
      run: (op, args) => runRequest(node, op, args),
      subscribe: (listener) => node.on(listener),
      // Read at each use: `p2pchat web --password` takes effect without a restart.
      passwordHash: () => {
        try {
          return loadConfig(l.home).webPassword ?? null;
        } catch {
          return null;
        }
      },
    },
    { bind: choice.bind, fallback: !choice.named, ...more },
  );
}

/** What serve prints about the page, on its first lines. */
export function pageLine(web: WebServer): string {
  if (!web.beyondLoopback) return `web: ${web.origin}/ (\`p2pchat web\` opens it signed in)`;
  return `web: http://${formatHostPort(web.bind.host, web.bind.port)}/ for other machines too: they must give the password (plain HTTP: use it only on a network you trust)`;
}
