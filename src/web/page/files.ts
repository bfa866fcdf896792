// A file dropped on the page. Sending files is a feature of its own (the
// files issue): until it lands, a drop is caught here, so the browser does
// not navigate away from the chat to show the file, and the page says that
// files cannot be sent yet. The conversation view is where `onFiles` will
// hand them to the node.
export function catchDrops(target: HTMLElement, onFiles: (files: File[]) => void): void {
  for (const type of ["dragenter", "dragover"] as const) {
    window.addEventListener(type, (e) => {
      if (!e.dataTransfer?.types.includes("Files")) return;
      e.preventDefault();
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
    onFiles([...e.dataTransfer.files]);
  });
}
