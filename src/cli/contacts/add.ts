// `p2pchat add INVITE [--name NAME]`: adds the person who gave you the
// invite: pins their id, saves their addresses, and dials them with the
// token, so their node adds you at once. It waits a little for that link,
// running a node for the while when none runs, and says how it went.
import { defineCommand } from "citty";
import type { NodeApi } from "../../control/api.ts";
import { formatHostPort } from "../../domain/host-port.ts";
import { decodeInvite, isInvite } from "../../protocol/invite-line.ts";
import type { InviteAnswer } from "../../protocol/messages.ts";
import { inviteRefused } from "../../ui/events.ts";
import { ExitCode } from "../exit-codes.ts";
import { standInName } from "../../domain/contact-name.ts";
import { NodeError } from "../../domain/node-error.ts";
import { printable } from "../../ui/format.ts";
import { connectNode } from "../connect.ts";
import { globalArgs } from "../args/globals.ts";
import { parseSeconds } from "../args/parse.ts";
import { whyPending } from "../messages/wait.ts";
import { waitOrSay } from "../interrupt.ts";
import { withSpinner } from "../../ui/spinner.ts";

export default defineCommand({
  meta: { name: "add", description: "Add someone from the invite line they gave you (`p2pchat invite`), or a node nearby by its peer id" },
  args: {
    invite: { type: "positional", description: "The whole line, starting with p2pchat: (or the peer id of a node `p2pchat nearby` lists, or its first characters: NB2QLNB)", required: true },
    name: { type: "string", description: "Your name for them (default: theirs)", valueHint: "NAME" },
    wait: { type: "string", description: "Seconds to wait for their node to answer (default 10); --no-wait only saves the contact", valueHint: "SECONDS" },
    ...globalArgs,
  },
  async run({ args }) {
    const byId = !isInvite(args.invite) && looksLikeIdPrefix(args.invite);
    const noWait = (args.wait as unknown) === false;
    await addAndLink(args.invite, args.name, { byId, seconds: noWait ? 0 : parseSeconds("--wait", args.wait, 10) });
  },
});

/** A peer id, or the beginning of one as `nearby` shows it (NB2QLNB): base32 letters and dashes, no colon. */
function looksLikeIdPrefix(text: string): boolean {
  return /^[A-Za-z2-7]+(-[A-Za-z2-7]*)*$/.test(text);
}

/** How a node added from the LAN was named at its first hello (the contact event). */
interface Named {
  name: string;
  announced: string;
  taken?: string;
}

/**
 * Adds from an invite (or a nearby peer id), then waits up to `seconds` for
 * the link that presents the token, with a node of this process when none
 * runs. Not reached in time: says why, and that it is presented later.
 */
export async function addAndLink(input: string, name: string | undefined, opts: { byId: boolean; seconds: number }): Promise<void> {
  const { api } = await connectNode({ command: "add" });
  const up = new Set<string>();
  /** What inviters' nodes said of the tokens we presented, by token. */
  const answers = new Map<string, InviteAnswer>();
  let wake = () => {};
  /** The added node's id, once known, and how its hello named it. */
  let peerId: string | null = null;
  let named: Named | null = null;
  const unsubscribe = await api.subscribe((e) => {
    if (e.type === "invite") answers.set(e.token, e.answer);
    else if (e.type === "link" && e.up) up.add(e.peer);
    else if (e.type === "contact" && e.how === "named" && e.peerId !== null) {
      if (e.peerId === peerId) named = { name: e.name, announced: e.announced ?? e.name, ...(e.taken ? { taken: e.taken } : {}) };
      up.add(e.name);
    } else return;
    wake();
  });
  try {
    const r = await (opts.byId ? addNearby(api, input, name) : api.addInvite(input, name));
    peerId = r.contact.peerId;
    process.stdout.write(describeAdded(r) + "\n");
    up.clear(); // a link from before the token was presented does not count
    if (opts.seconds === 0) return;
    let who = r.contact.name;
    const stand = peerId !== null && who === standInName(peerId) ? who : null;
    if (!(await api.status()).discoverable) {
      process.stderr.write(`p2pchat: you are hidden, so your node dials nobody: it presents ${opts.byId ? "itself" : "the invite"} to ${who} once you are discoverable (\`p2pchat discoverable on\`)\n`);
      return;
    }
    const stays = () =>
      `${who} is saved in your contacts; your node presents ${opts.byId ? "itself" : "the invite"} when it reaches them${api.remote ? "" : " (while serve, chat or send runs)"}`;
    // Named at its hello: the link comes up under the name it announced.
    const current = () => (named as Named | null)?.name ?? who;
    const linked = await withSpinner(`waiting for ${who}'s node to answer (up to ${opts.seconds} s)`, waitOrSay(linkedWithin(api, current, up, opts.seconds, (f) => (wake = f)), stays));
    who = current();
    if (linked) {
      if (opts.byId) return void process.stdout.write(`linked to ${who}${stand ? describeNamed(named, stand) : ""}\n`);
      const token = decodeInvite(input).token;
      const answer = await waitOrSay(answered(answers, token, ANSWER_WAIT_MS, (f) => (wake = f)), stays);
      if (answer === "admitted") return void process.stdout.write(`linked to ${who}: their node took your invite, so you are in each other's contacts\n`);
      if (answer === null) return void process.stdout.write(`linked to ${who}: their node did not say whether it took your invite (an older p2pchat)\n`);
      process.stderr.write(`p2pchat: ${inviteRefused(who, answer)}\n`);
      throw new ExitCode(1);
    }
    const why = (await whyPending(api, who)).replace(/\. They are delivered when.*$/, "");
    process.stderr.write(
      `p2pchat: ${who}'s node has not answered within ${opts.seconds} s (${why}).` +
        (opts.byId ? "\n" : ` Your node presents the invite when it next reaches them (while \`p2pchat serve\`, \`chat\` or \`send\` runs).\n`),
    );
  } finally {
    unsubscribe();
    await api.close();
  }
}

/** How long to wait, once linked, for the inviter's answer to the token. */
const ANSWER_WAIT_MS = 3_000;

/** The inviter's answer to `token`, or null if none came within `ms` (a p2pchat from before answers). */
async function answered(answers: Map<string, InviteAnswer>, token: string, ms: number, onWake: (f: () => void) => void): Promise<InviteAnswer | null> {
  const deadline = Date.now() + ms;
  while (!answers.has(token) && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      onWake(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  return answers.get(token) ?? null;
}

/** True once the contact `name()` has a link (already, or within `seconds`). */
async function linkedWithin(api: NodeApi, name: () => string, up: Set<string>, seconds: number, onWake: (f: () => void) => void): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (up.has(name())) return true;
    if ((await api.status()).contacts.some((c) => c.name === name() && c.state === "linked")) return true;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.min(500, Math.max(0, deadline - Date.now())));
      onWake(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
  return up.has(name());
}

/** A node nearby by its id or the beginning of it; when none is heard and this process runs the node, says that a running node is what hears the LAN. */
async function addNearby(api: NodeApi, input: string, name: string | undefined): ReturnType<NodeApi["addNearby"]> {
  try {
    return await api.addNearby(input, name);
  } catch (err) {
    if (err instanceof NodeError && err.code === "NOT_NEARBY" && !api.remote && err.message.startsWith("no node heard")) {
      throw new NodeError(
        "NOT_NEARBY",
        `no node heard on the LAN has an id beginning with ${JSON.stringify(input)}: no node was running for this home to hear it. Start one (\`p2pchat serve\`, or \`chat\`), see who it hears with \`p2pchat nearby\`, then add again${NOT_AN_ID}`,
      );
    }
    if (err instanceof NodeError && err.code === "NOT_NEARBY" && err.message.startsWith("no node heard")) throw new NodeError("NOT_NEARBY", err.message + NOT_AN_ID);
    throw err;
  }
}

/** Said after "no node nearby has that id": what else `add` takes, and how to add by name and address. */
const NOT_AN_ID = ` (add also takes an invite line, which starts with "p2pchat:"; someone by name and address: \`p2pchat contacts add NAME HOST:PORT\`)`;

/** After "linked to bob": how its hello named it (or that it kept its stand-in name). */
function describeNamed(named: Named | null, stand: string): string {
  if (!named) return ` (its node announced no name it can be saved under: rename it with \`p2pchat contacts set ${stand} --rename NAME\`)`;
  if (!named.taken) return `: named as its node announces itself`;
  return `: its node announces ${JSON.stringify(printable(named.announced))}, ${named.taken === named.announced ? "the name of" : "which looks like"} your contact ${named.taken}, so it is ${named.name} (rename it with \`p2pchat contacts set ${named.name} --rename NAME\`)`;
}

export function describeAdded(r: {
  contact: { name: string; peerId: string | null; host: string; port: number; addresses: unknown[] };
  renamed: boolean;
  known: boolean;
  announced?: string;
  taken?: string;
}): string {
  const c = r.contact;
  if (r.known) return `${c.name} (${c.peerId}) is already your contact: their addresses are updated`;
  const n = c.addresses.length;
  const where = `${formatHostPort(c.host, c.port)}${n > 1 ? ` and ${n - 1} more address${n > 2 ? "es" : ""}` : ""}`;
  if (c.peerId && c.name === standInName(c.peerId)) {
    return `added ${c.peerId}, heard on the LAN at ${where}, as ${c.name} until its node answers with its name`;
  }
  const announced = JSON.stringify(printable(r.announced ?? ""));
  const renamed = !r.renamed
    ? ""
    : r.taken
      ? ` (they call themselves ${announced}, ${r.taken === r.announced ? "the name of" : "which looks like"} your contact ${r.taken})`
      : r.announced !== undefined
        ? ` (they call themselves ${announced}, which cannot be a contact's name)`
        : "";
  return `added ${c.name}${renamed}, pinned to ${c.peerId}, at ${where}: say hello with \`p2pchat chat ${c.name}\``;
}
