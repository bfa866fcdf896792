// The box to write in: Enter sends, Shift+Enter is a new line, a paste keeps
// its lines (one message of several). It grows with what is typed, up to a
// third of the window.
export interface ComposeActions {
  /** Sends `text`; resolves once the node stored it (the box is cleared then), rejects to keep it. */
  send(text: string): Promise<void>;
}

export class Compose {
  constructor(
    private readonly form: HTMLFormElement,
    private readonly box: HTMLTextAreaElement,
    act: ComposeActions,
  ) {
    const submit = () => {
      const text = box.value;
      if (text.trim() === "") return;
      box.disabled = true;
      act.send(text).then(
        () => {
          box.value = "";
          this.fit();
        },
        () => {},
      ).finally(() => {
        box.disabled = false;
        box.focus();
      });
    };
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      submit();
    });
    box.addEventListener("keydown", (e) => {
      // isComposing: Enter that ends an IME composition (Japanese, Chinese) is not a send.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        submit();
      }
    });
    box.addEventListener("input", () => this.fit());
  }

  get text(): string {
    return this.box.value;
  }

  set text(t: string) {
    this.box.value = t;
    this.fit();
  }

  focus(): void {
    this.box.focus();
  }

  /** As tall as its lines, up to a third of the window. */
  private fit(): void {
    this.box.style.height = "auto";
    this.box.style.height = `${Math.min(this.box.scrollHeight, Math.round(window.innerHeight / 3))}px`;
  }
}
