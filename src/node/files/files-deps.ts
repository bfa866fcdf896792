// What the file transfer engine needs of the rest of the node: narrow, so
// node.ts alone wires it (the journal for every write, the contacts for
// names, the groups for who may fetch a group's file, the settings the user
// changes while it runs).
import type { Contact } from "../../domain/contact.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { TransferStore, TransferWrite } from "../../store/store.ts";
import type { NodeEvent } from "../node-events.ts";
import type { FetchLimits } from "./fetch.ts";

export interface FileSettings {
  /** Where finished files go (their partial files in `.partial/` inside). */
  downloads: string;
  /** A contact's files are taken without asking while those of the last 24 hours come to at most this (0: always ask). */
  autoAcceptBytes: number;
}

export interface GroupFiles {
  /** Whether `peerId` is a member of group `id` now: it may fetch the group's files from us. */
  member(group: string, peerId: PeerId): boolean;
  /** '#alias' of a group, or null when we do not know it. */
  alias(group: string): string | null;
  /** A group's id from '#alias' (throws NodeError when it is none of ours or we left). */
  resolve(name: string): string;
  /** Posts a file's offer to the group: a signed group message any member passes on. */
  post(group: string, body: string): Promise<void>;
}

export interface FilesDeps {
  home: string;
  store: TransferStore;
  journal: { files(w: TransferWrite): Promise<unknown> };
  contacts: { byPeer(id: PeerId): Contact | undefined; byName(name: string): Contact | undefined };
  emit(event: NodeEvent): void;
  settings(): FileSettings;
  /** Dials a contact (files are owed it, or it holds one we fetch). */
  dial(contact: Contact): void;
  groups: GroupFiles;
  limits?: Partial<FetchLimits>;
}
