// What a peer asked us for in a group, sent as its link can take it
// (range-server.ts): an author's messages, a batch at a time.
import type { Store, GroupMessageRow } from "../../store/store.ts";
import type { Link } from "../../transport/link.ts";
import type { Journal } from "../engine/journal.ts";
import { RangeServer } from "./range-server.ts";

/** Ranges queued per link; a peer asking for more is asking too much at once (the rest is dropped, it asks again). */
export const MAX_QUEUED_RANGES = 4096;

export interface Range {
  group: string;
  author: string;
  from: number;
  to: number;
}

export class Responder extends RangeServer<Range, GroupMessageRow> {
  constructor(
    private readonly link: Link,
    private readonly store: Store,
    journal: Journal,
    /** Called with each batch before it goes out (what the sync counts as relayed). */
    private readonly onSend?: (rows: readonly GroupMessageRow[]) => void,
  ) {
    super(journal, MAX_QUEUED_RANGES);
  }

  protected open(): boolean {
    return this.link.isOpen;
  }

  protected queuedBytes(): number {
    return this.link.queuedBytes;
  }

  protected read(r: Range, limit: number): Promise<GroupMessageRow[]> {
    return this.store.groupMessages(r.group, r.author, r.from, r.to, limit);
  }

  protected send(rows: GroupMessageRow[]): void {
    this.onSend?.(rows);
    this.link.sendGroupMessages(rows);
  }
}
