// Opens the user's home and data for a command.
import { logger } from "../log.ts";
import { openLocal, openLocalStore, type Local } from "../home/open-local.ts";
import { LocalSession, type Session } from "../node/book/local-session.ts";
import { globals } from "./args/globals.ts";

export async function local(): Promise<Local> {
  const l = await openLocal(globals());
  if (l.tightened) process.stderr.write(`p2pchat: ${l.tightened}\n`);
  // Said where it shows, with the name it took: peers see it, and it came from the OS user, not from the user.
  if (l.created) {
    logger.info(
      `new identity created in ${l.home}: ${l.config.name} ${l.identity.peerId}. ` +
        `Peers see the name ${JSON.stringify(l.config.name)} (your OS user's): \`p2pchat config set name NAME\` changes it`,
    );
  }
  return l;
}

/** The session for a command; closed when `fn` ends. */
export async function withSession<T>(fn: (session: Session, l: Local) => Promise<T>): Promise<T> {
  const l = await local();
  const session = new LocalSession(await openLocalStore(l));
  try {
    return await fn(session, l);
  } finally {
    await session.close();
  }
}
