// `p2pchat chat` on a terminal: a full-screen chat over every conversation.
// The list of conversations (unread counts, last messages, link states,
// requests) with the question "Who do you want to talk to?" below it; a
// conversation with its history from the database (scrolled with PgUp/PgDn
// or the wheel), a status line that counts what came elsewhere, and an
// input area for messages of one line or several. This joins the terminal
// to the chat's state (chat-state.ts): keys (chat-input.ts) and node events
// (chat-events.ts) change the state, then the state settles to the screen
// and the frame is drawn from it (chat-render.ts), so a mark changes in
// place at any width.
import { onStopSignals } from "../signals.ts";
import type { NodeApi, NodeStatus } from "../control/api.ts";
import { applyEvent } from "./chat-events.ts";
import { handleKeys } from "./chat-input.ts";
import { drawScreen } from "./chat-render.ts";
import { screenOf } from "./chat-screen.ts";
import { ChatState, type ChatEnd } from "./chat-state.ts";
import { colors } from "./colors.ts";
import { NodeError } from "../domain/node-error.ts";
import type { Key } from "./keys.ts";
import { takeTypedAhead } from "./prompt.ts";
import { Terminal, type TerminalStreams } from "./term.ts";

export type { ChatEnd } from "./chat-state.ts";

export interface ChatAppOptions {
  /** Open this conversation first (else the list). Not a contact yet: its address is asked. */
  peer?: string | null;
  /** No bell, no desktop notifications. */
  quiet: boolean;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
}

/**
 * Link states and the like are asked for again this often while the chat runs
 * (retry timers count down). P2PCHAT_CHAT_REFRESH_MS sets it (tests make it
 * long, so that only an event can show what they wait for).
 */
const REFRESH_MS = Number(process.env.P2PCHAT_CHAT_REFRESH_MS) || 5_000;

export class ChatApp {
  private readonly term: Terminal;
  private readonly chat: ChatState;
  private scheduled = false;
  private readonly finished = Promise.withResolvers<void>();

  private constructor(
    private readonly api: NodeApi,
    private readonly opts: ChatAppOptions,
    status: NodeStatus,
    streams: TerminalStreams,
  ) {
    this.term = new Terminal(streams, {
      keys: (keys) => this.press(keys),
      resize: () => this.render(),
      end: () => this.finish(),
    });
    const term = this.term;
    this.chat = new ChatState(
      api,
      status,
      {
        get columns() {
          return term.columns;
        },
        get rows() {
          return term.rows;
        },
        schedule: () => this.schedule(),
        finish: () => this.finish(),
        redraw: () => term.invalidate(),
        write: (bytes) => term.write(bytes),
        press: (keys) => this.press(keys),
      },
      opts.quiet,
    );
  }

  static async create(api: NodeApi, opts: ChatAppOptions): Promise<ChatApp> {
    const streams = { input: opts.input ?? process.stdin, output: opts.output ?? process.stdout };
    return new ChatApp(api, opts, await api.status(), streams);
  }

  /** How the chat ended: by the user, or because the node went (`lostReason` says why). */
  get end(): ChatEnd {
    return this.chat.end;
  }

  get lostReason(): string {
    return this.chat.lostReason;
  }

  /** What was typed in the open conversation and not sent. */
  get unsent(): string {
    return this.chat.mode === "chat" ? this.chat.window.editor.line : "";
  }

  /** Conversations written in, to say on the way out what still waits. */
  get wroteTo(): ReadonlySet<string> {
    return this.chat.outgoing.wroteTo;
  }

  /** Runs until the user leaves (or the node goes); the screen is the user's again after. */
  async run(): Promise<ChatEnd> {
    const chat = this.chat;
    // Subscribed first, then read the state: what changes after is an event.
    const unsubscribe = await this.api.subscribe((e) => {
      try {
        applyEvent(chat, e);
      } catch (err) {
        chat.note(colors.red(`! ${(err as Error).message}`));
      }
      this.schedule();
    });
    // A closed terminal (SIGHUP) ends the chat as /quit would; Ctrl-Break too on Windows.
    const offSignals = onStopSignals(() => this.finish(), ["SIGHUP"]);
    // Retry timers count down, and a request's messages come without an event of their own.
    const refresh = setInterval(() => void Promise.all([chat.refresh("status"), chat.refresh("requests")]).then(() => this.schedule()), REFRESH_MS);
    try {
      await chat.refresh("all");
      // Typed ahead of the view, with the answer to a question before it: kept, and applied after the first view opens.
      const ahead = takeTypedAhead();
      this.term.start(ahead.rest);
      const asked = this.opts.peer;
      const first = asked ? (chat.roster.resolveName(asked) ?? asked) : null;
      if (first && chat.names.includes(first)) chat.jobs.switchView(() => chat.open(first));
      else if (first && chat.roster.nearNames(first).length > 0) chat.listNote(colors.red(`! ${NodeError.notAContact(first, chat.roster.nearNames(first)).message}`));
      else if (first) chat.ask(first);
      if (ahead.keys.length > 0) this.press(ahead.keys);
      await chat.jobs.queued();
      this.render();
      await this.finished.promise;
      // Keys held while the view changed may have queued more (a send typed just before leaving).
      await chat.jobs.idle();
    } finally {
      clearInterval(refresh);
      offSignals();
      unsubscribe();
      this.term.stop();
    }
    return chat.end;
  }

  finish(): void {
    this.finished.resolve();
  }

  private press(keys: readonly Key[]): void {
    handleKeys(this.chat, keys);
    this.render();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.render();
    });
  }

  /** The state settles to the screen's size, then the whole screen is drawn from it. */
  private render(): void {
    const size = { columns: this.term.columns, rows: this.term.rows };
    this.chat.settle(size);
    const frame = drawScreen(screenOf(this.chat), size);
    this.term.draw(frame.rows, frame.cursor);
  }
}

/** Runs the full-screen chat until the user leaves; the caller prints what follows on the normal screen. */
export async function runChatApp(api: NodeApi, opts: ChatAppOptions): Promise<ChatApp> {
  const app = await ChatApp.create(api, opts);
  await app.run();
  return app;
}
