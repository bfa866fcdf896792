// The ways a file comes into the page to be sent: dropped on the
// conversation (caught on the whole window, so a drop that misses never
// makes the browser leave the chat to show the file), pasted into the box
// (a screenshot, a file copied in a file manager), or picked with the
// paperclip. Each hands the files to `onFiles`; the app sends them to the
// open conversation (app.ts, api.ts's upload).

/** Drops anywhere on the window; `target` is outlined while files are dragged over. */
export function catchDrops(target: HTMLElement, onFiles: (files: File[]) => void): void {
  for (const type of ["dragenter", "dragover"] as const) {
    window.addEventListener(type, (e) => {
      if (!e.dataTransfer?.types.includes("Files")) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
      target.classList.add("dropping");
    });
  }
  window.addEventListener("dragleave", (e) => {
    if (e.relatedTarget === null) target.classList.remove("dropping");
  });
  window.addEventListener("drop", (e) => {
    if (!e.dataTransfer?.types.includes("Files")) return;
    e.preventDefault();
    target.classList.remove("dropping");
    const files = [...e.dataTransfer.files];
    if (files.length > 0) onFiles(files);
  });
}

/** Files pasted into `box` (text pastes as text, as before). */
export function catchPastes(box: HTMLElement, onFiles: (files: File[]) => void): void {
  box.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length === 0) return;
    e.preventDefault();
    onFiles(files);
  });
}

/** The paperclip: a button that opens the system's file picker (`input`, type=file, hidden). */
export function attachButton(button: HTMLElement, input: HTMLInputElement, onFiles: (files: File[]) => void): void {
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const files = [...(input.files ?? [])];
    // Cleared, so the same file picked again is a change again.
    input.value = "";
    if (files.length > 0) onFiles(files);
  });
}
