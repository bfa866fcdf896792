// What the chat counts as unread, per conversation: the node's count read
// at start, one more for each message that comes out of sight, none once
// the bottom of a conversation has been on screen. The mark sent to the
// node (so counts survive a restart) is asked once per message.

export class Unread {
  private readonly counts = new Map<string, number>();
  /** The last message marked read, per conversation (not asked twice). */
  private readonly markedUpTo = new Map<string, string>();

  of(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** The node's count (at start, after a mark, or read in another terminal). */
  set(name: string, count: number): void {
    this.counts.set(name, count);
  }

  /** A message came where the user was not looking. */
  arrived(name: string): void {
    this.counts.set(name, this.of(name) + 1);
  }

  /** `names` (in list order) with unread messages, but `except` (the conversation open): the status line's `bob (2)`. */
  others(names: readonly string[], except: string | null): { name: string; unread: number }[] {
    return names.filter((n) => n !== except && this.of(n) > 0).map((name) => ({ name, unread: this.of(name) }));
  }

  /** The first of `names` after `from` (round the end; from the top for null) with unread messages, but `except`: Alt-A. */
  next(names: readonly string[], from: string | null, except: string | null): string | undefined {
    const at = from === null ? -1 : names.indexOf(from);
    for (let k = 1; k <= names.length; k++) {
      const name = names[(at + k + names.length) % names.length]!;
      if (this.of(name) > 0 && name !== except) return name;
    }
    return undefined;
  }

  /**
   * Everything up to message `id` in `name` was seen: nothing unread there.
   * False when that was said already (the node need not be told twice).
   */
  readUpTo(name: string, id: string): boolean {
    if (this.markedUpTo.get(name) === id) return false;
    this.markedUpTo.set(name, id);
    this.counts.set(name, 0);
    return true;
  }

  /** The node did not take the mark: asked again on the next frame. */
  markFailed(name: string): void {
    this.markedUpTo.delete(name);
  }
}
