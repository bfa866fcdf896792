// A group's files we hold whole (posted, or fetched and done), served to any
// member that asks: looked up in the database when asked, their manifests
// kept open a while, then let go (a file nobody asks for holds no handle).
import { existsSync } from "node:fs";
import { chunkCount } from "../../protocol/files/file-manifest.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { TransferStore } from "../../store/store.ts";
import { ManifestFile } from "./manifest-file.ts";
import { manifestPath, matchesManifest, servableOf } from "./outgoing.ts";
import type { Servable } from "./server.ts";

const IDLE_MS = 30_000;

export class HeldFiles {
  private readonly cache = new Map<string, { servable: Servable; group: string; used: number }>();

  constructor(
    private readonly home: string,
    private readonly store: Pick<TransferStore, "findTransfer">,
    private readonly member: (group: string, peerId: PeerId) => boolean,
  ) {}

  async lookup(peerId: PeerId, id: string): Promise<Servable | null> {
    let e = this.cache.get(id);
    if (!e) {
      const row = await this.store.findTransfer(id);
      const path = manifestPath(this.home, id);
      if (!row?.group || row.state !== "done" || !row.path || !existsSync(path) || !existsSync(row.path)) return null;
      if (this.cache.has(id)) return this.lookup(peerId, id); // looked up twice at once
      const manifest = new ManifestFile(path, chunkCount(row.size, row.chunkSize));
      e = { servable: servableOf(row, manifest, () => true, matchesManifest(row, manifest)), group: row.group, used: 0 };
      this.cache.set(id, e);
    }
    e.used = Date.now();
    return this.member(e.group, peerId) ? e.servable : null;
  }

  sweep(now: number): void {
    for (const [id, e] of this.cache) {
      if (now - e.used < IDLE_MS) continue;
      e.servable.manifest.close();
      this.cache.delete(id);
    }
  }

  closeAll(): void {
    this.sweep(Number.MAX_SAFE_INTEGER);
  }
}
