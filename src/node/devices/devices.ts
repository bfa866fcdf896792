// The devices room as the engine sees it (DeviceHooks): which device this
// is, which are revoked, join tokens answered, links to our other devices
// recorded, dialed again and handed to device sync (own-devices.ts), and
// device frames routed: rosters and revocations to the book, the rest of an
// own device's to sync.
import type { DeviceWelcomeFrame, Frame, Hello } from "../../protocol/messages.ts";
import type { PeerId } from "../../protocol/peer-id.ts";
import type { NewAddress } from "../../domain/contact.ts";
import type { NodeLink } from "../engine/link-ctx.ts";
import type { DeviceHooks } from "../engine/peer-hooks.ts";
import type { DeviceBook } from "./device-book.ts";
import type { DeviceJoins } from "./device-joins.ts";
import type { OwnDials } from "./own-dials.ts";
import type { OwnDevicesHooks } from "./own-devices.ts";
import { childLogger } from "../../log.ts";

const log = childLogger("node");

export interface DevicesDeps {
  book: DeviceBook;
  joins: DeviceJoins;
  dials: OwnDials;
  sync: OwnDevicesHooks;
  /** Where a link's hello says its peer can be reached. */
  hinted(link: NodeLink, hello: Hello): NewAddress[];
}

export class Devices implements DeviceHooks {
  constructor(private readonly d: DevicesDeps) {}

  get deviceId(): string {
    return this.d.book.deviceId;
  }

  isRevoked(peerId: PeerId, deviceId: string): boolean {
    return this.d.book.isRevoked(peerId, deviceId);
  }

  join(link: NodeLink, hello: Hello): DeviceWelcomeFrame {
    return this.d.joins.answer(link, hello);
  }

  ownUp(link: NodeLink, hello: Hello): void {
    const deviceId = link.deviceId!;
    this.d.dials.up(link);
    this.d.book.ownLinked(link, this.d.hinted(link, hello)).catch((err) => log.debug(`cannot record our device ${deviceId}: ${(err as Error).message}`));
    this.d.sync.onLinkUp({
      deviceId,
      send: (f) => link.sendDevice(f),
      caps: link.peerHello?.caps ?? [],
      get queuedBytes() {
        return link.queuedBytes;
      },
    });
  }

  ownWritable(link: NodeLink): void {
    this.d.sync.onDrain?.(link.deviceId!);
  }

  ownDown(link: NodeLink, wasUp: boolean): void {
    this.d.dials.closed(link, wasUp);
    if (wasUp) this.d.sync.onLinkDown(link.deviceId!);
  }

  contactUp(link: NodeLink): void {
    this.d.book.greet(link);
  }

  frame(link: NodeLink, f: Frame): void {
    if (f.type === "device-roster" || f.type === "device-revoke") {
      this.d.book.frame(link, f).catch((err) => log.debug(`${f.type} from ${link.address}: ${(err as Error).message}`));
      return;
    }
    if (f.type === "device-welcome") return; // only the bearer of a join token takes one
    if (link.ctx.ownDevice) this.d.sync.onFrame(link.deviceId!, f);
  }
}
