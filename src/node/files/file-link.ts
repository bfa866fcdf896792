// One link that speaks files (its peer's hello lists the "files" cap), as
// the transfer engine sees it: whom it is to, how to ask it for a file's
// manifest and chunks, and what it asked of us (server.ts).
import { FILES_CAP, FILES_PREFIX_CAP, type FileFrame, type FileRange } from "../../protocol/files/file-frames.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { Link } from "../../transport/link.ts";

/** Whom a link is to: a contact (its name), or a request (the name it announced, unverified). */
export interface LinkPeer {
  name: string;
  request: boolean;
}

/** Where a download asks for pieces: a member or the sender, over its link. */
export interface Source {
  readonly peerId: PeerId;
  /** Who, in words: "bob". */
  readonly label: string;
  want(id: string, ranges: FileRange[]): void;
  wantManifest(id: string, from: number, count: number): void;
}

export class FileLink implements Source {
  readonly peerId: PeerId;

  constructor(
    readonly link: Link,
    public peer: LinkPeer,
  ) {
    this.peerId = link.peerId!;
  }

  static speaksFiles(link: Link): boolean {
    return link.peerHello?.caps.includes(FILES_CAP) ?? false;
  }

  /** Whether the peer takes a prefix manifest (else it is offered, and served, a chunk manifest). */
  get takesPrefix(): boolean {
    return this.link.peerHello?.caps.includes(FILES_PREFIX_CAP) ?? false;
  }

  get label(): string {
    return this.peer.request ? `"${this.peer.name}" (a request)` : this.peer.name;
  }

  get isOpen(): boolean {
    return this.link.isOpen;
  }

  send(f: FileFrame): void {
    this.link.sendFile(f);
  }

  want(id: string, ranges: FileRange[]): void {
    if (ranges.length > 0) this.send({ type: "file-want", id, ranges });
  }

  wantManifest(id: string, from: number, count: number): void {
    this.send({ type: "file-manifest-want", id, from, count });
  }
}
