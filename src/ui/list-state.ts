// The conversations view as the user moves in it: the row selected, the
// question below ("Who do you want to talk to?", or a new contact's
// address), and our notes under the list (what a command printed, a
// contact that joined), paged when they are longer than the screen. Drawing
// it is list-view.ts's; this only keeps what the keys changed.
import { LineEditor } from "./input.ts";

/** Notes kept for the list view. */
const MAX_NOTES = 50;

/** The list's notes, newest last, and where the user paged them to. */
export class Notes {
  private readonly texts: string[] = [];
  /** The first note line shown when the user paged them; undefined: the start of the newest note. */
  private topLine: number | undefined = undefined;

  get all(): readonly string[] {
    return this.texts;
  }

  get top(): number | undefined {
    return this.topLine;
  }

  /** A note at the end: its start shows. */
  add(text: string): void {
    this.texts.push(text);
    this.topLine = undefined;
    if (this.texts.length > MAX_NOTES) this.texts.splice(0, this.texts.length - MAX_NOTES);
  }

  /** Notes that said something no longer true (a request since decided) go. */
  drop(stale: (text: string) => boolean): void {
    const kept = this.texts.filter((t) => !stale(t));
    if (kept.length === this.texts.length) return;
    this.texts.splice(0, this.texts.length, ...kept);
    this.topLine = undefined;
  }

  /** The notes answered what the user did before; the next thing they do clears them. */
  clear(): void {
    this.texts.length = 0;
    this.topLine = undefined;
  }

  /** A page up (-1) or down (+1) from `shown`, the first line on screen, `page` lines at a time. */
  page(direction: -1 | 1, shown: { top: number; page: number }): void {
    this.topLine = Math.max(0, shown.top + direction * shown.page);
  }
}

export class ListState {
  /** The question's line: a name, a command, or the address asked for. */
  readonly editor = new LineEditor();
  readonly notes = new Notes();
  private row = 0;
  private askingFor: string | null = null;

  /** The row selected: a contact, a group, then the requests. */
  get selected(): number {
    return this.row;
  }

  /** The question is asking for this new contact's address. */
  get asking(): string | null {
    return this.askingFor;
  }

  select(row: number): void {
    this.row = row;
  }

  up(): void {
    this.row = Math.max(0, this.row - 1);
  }

  /** Down, as far as the last of `count` rows. */
  down(count: number): void {
    this.row = Math.min(count - 1, this.row + 1);
  }

  /** `rows` down (or up, negative), within `count` rows. */
  moveBy(rows: number, count: number): void {
    this.row = Math.max(0, Math.min(count - 1, this.row + rows));
  }

  /** The rows became `count` (a request accepted, a contact gone): the selection stays on one of them. */
  fit(count: number): void {
    this.row = Math.max(0, Math.min(this.row, count - 1));
  }

  /** The question turns to the address of `name`, a name not in the address book. */
  ask(name: string): void {
    this.askingFor = name;
    this.editor.set("");
  }

  /** Back to "Who do you want to talk to?", with what it asked before answered or dropped. */
  stopAsking(): void {
    this.askingFor = null;
  }

  /** Esc: the line, the question for an address and the notes go. */
  reset(): void {
    this.editor.set("");
    this.askingFor = null;
    this.notes.clear();
  }
}
