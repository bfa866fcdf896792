// Files in the open conversation, as the user acts on them: sending what was
// dropped, pasted or picked (handed to the node first, with a bar while the
// browser uploads, then the node's transfer in its place), taking or
// refusing an offer, cancelling one on its way, and the node's file events
// drawn in place as they come (offered, moving, done, failed).
import { formatSize } from "../../domain/file-transfer.ts";
import type { Api } from "./api.ts";
import { appendFile } from "./conversation-view.ts";
import { sendingEl, updateFile, updateSending, type FileActions, type Sending } from "./file-view.ts";
import { notify } from "./notify.ts";
import type { PageState } from "./state.ts";
import { shown } from "./text.ts";
import type { FileInfo } from "./types.ts";

export interface ConversationFilesDeps {
  api: Api;
  s: PageState;
  /** The conversation's rows (#messages). */
  box: HTMLElement;
  toast(text: string, tone: "ok" | "bad" | ""): void;
  atBottom(): boolean;
  toBottom(): void;
  /** When the last row shown was made (a day line goes before a row of another day). */
  lastTime(): number | undefined;
  open(name: string): void;
}

let uploads = 0;

export class ConversationFiles {
  /** Files the browser is still handing to the node, with the conversation each goes to. */
  private readonly sending = new Map<string, Sending & { to: string }>();
  /** The uploads in turn (upload() never rejects: it says what went wrong). */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly d: ConversationFilesDeps) {}

  /** The open conversation's transfers (none when the node cannot say: a contact not pinned yet has none). */
  async load(name: string): Promise<FileInfo[]> {
    return this.d.api.op<FileInfo[]>("files", { filter: name }).catch(() => []);
  }

  readonly actions: FileActions = {
    accept: (f) => void this.act(f, "fileAccept"),
    reject: (f) => void this.act(f, "fileReject"),
    cancel: (f) => void this.act(f, "fileCancel"),
  };

  /** Sends `files` to the open conversation: one upload at a time, in the order they came (a drop, then a paste, go in turn). */
  send(files: File[]): Promise<void> {
    const to = this.d.s.open;
    if (!to) {
      this.d.toast("open a conversation first, then drop the file on it", "bad");
      return this.queue;
    }
    for (const file of files) {
      const max = this.d.api.maxUpload;
      if (file.size > max) {
        this.d.toast(`${shown(file.name)} is ${formatSize(file.size)}: the page sends files of at most ${formatSize(max)} (p2pchat send ${shown(to)} --file PATH sends any size)`, "bad");
        continue;
      }
      this.queue = this.queue.then(() => this.upload(to, file));
    }
    return this.queue;
  }

  /** After the conversation was drawn anew: the files still on their way to the node go back at its end. */
  redrawn(): void {
    for (const u of this.sending.values()) if (u.to === this.d.s.open) this.d.box.append(sendingEl(u));
  }

  /** A `file` event from the node. */
  changed(f: FileInfo, progress: boolean): void {
    const previous = this.d.lastTime();
    const where = this.d.s.fileChanged(f);
    if (where === "changed") updateFile(this.d.box, f, f.group !== undefined, this.actions);
    else if (where === "new") this.place(f, previous);
    if (!progress && f.direction === "in" && f.state === "offered") {
      const from = f.group ?? f.peer ?? "someone";
      notify(from, `📎 ${f.name} (${formatSize(f.size)}): take it?`, () => this.d.open(from));
      if (where === null) this.d.toast(`${shown(from)} offers ${shown(f.name)} (${formatSize(f.size)})`, "");
    }
  }

  private async upload(to: string, file: File): Promise<void> {
    const key = `upload-${++uploads}`;
    const job = this.d.api.upload(to, file, (sent) => {
      u.sent = sent;
      updateSending(this.d.box, u);
    });
    const u: Sending & { to: string } = { key, to, name: file.name, size: file.size, sent: 0, abort: job.abort };
    this.sending.set(key, u);
    if (this.d.s.open === to) {
      this.d.box.querySelector(":scope > p.pad")?.remove();
      this.d.box.append(sendingEl(u));
      this.d.toBottom();
    }
    let f: FileInfo;
    try {
      f = await job.done;
    } catch (err) {
      this.d.toast((err as Error).message, "bad");
      return;
    } finally {
      this.sending.delete(key);
      this.d.box.querySelector(`[data-upload="${CSS.escape(key)}"]`)?.remove();
    }
    // The node's event may have drawn it already (and newer): only a file not shown yet is drawn from the reply.
    const previous = this.d.lastTime();
    if (!this.d.s.file(f.id) && this.d.s.fileChanged(f) === "new") this.place(f, previous);
    if (this.d.s.open !== to) this.d.toast(`${shown(f.name)} offered to ${shown(to)}`, "ok");
  }

  /** A file new to the open conversation, at its end. */
  private place(f: FileInfo, previous: number | undefined): void {
    const near = this.d.atBottom();
    appendFile(this.d.box, f, previous, f.group !== undefined, this.actions);
    // Files the browser is still sending stay below it.
    for (const up of this.d.box.querySelectorAll(":scope > [data-upload]")) this.d.box.append(up);
    if (near || f.direction === "out") this.d.toBottom();
  }

  private async act(f: FileInfo, op: "fileAccept" | "fileReject" | "fileCancel"): Promise<void> {
    try {
      const now = await this.d.api.op<FileInfo>(op, { id: f.id });
      if (this.d.s.fileChanged(now) === "changed") updateFile(this.d.box, now, now.group !== undefined, this.actions);
    } catch (err) {
      this.d.toast((err as Error).message, "bad");
    }
  }
}
