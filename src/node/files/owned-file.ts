// A file this room opens by descriptor and may remove: the partial file of
// a download, a manifest. Closing twice is nothing; removing closes first.
import { closeSync, rmSync } from "node:fs";

export abstract class OwnedFile {
  protected fd = -1;

  constructor(readonly path: string) {}

  get isOpen(): boolean {
    return this.fd >= 0;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  remove(): void {
    this.close();
    rmSync(this.path, { force: true });
  }
}
