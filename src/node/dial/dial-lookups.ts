// Looking a contact up (the DHT) while a round of dials to it goes on. When
// the address that worked last fails and others remain, the contact has
// likely moved: the lookup starts then, not once each of the others has
// failed (an address that drops packets, such as a private one of another
// network, holds a dial until the handshake deadline). Finding nothing new
// (the contact may not have republished yet), it asks again as often as
// lookups are allowed, while the round goes on and we want to reach it.
import type { Contact } from "../../domain/contact.ts";
import { LOOKUP_GAP_MS } from "../../reach/dht/dht-service.ts";

export interface DialLookupDeps {
  /** Worth going further: we owe it messages or hold its invite's token. */
  wanted(name: string): Promise<boolean>;
  /** Looks it up; true when new addresses were saved. */
  lookUp(name: string): Promise<boolean>;
  /** A round of dials to it is under way (and not linked yet). */
  dialing(name: string): boolean;
  contact(name: string): Contact | undefined;
  /** Takes the new addresses into the round (Dialer.dial). */
  found(contact: Contact): void;
}

export class DialLookups {
  private readonly looking = new Set<string>();

  constructor(
    private readonly d: DialLookupDeps,
    private readonly gapMs = LOOKUP_GAP_MS,
  ) {}

  /** Starts the loop for `name` unless one runs. */
  start(name: string): void {
    if (this.looking.has(name)) return;
    this.looking.add(name);
    void this.loop(name).finally(() => this.looking.delete(name));
  }

  private async loop(name: string): Promise<void> {
    while (await this.d.wanted(name).catch(() => false)) {
      if (await this.d.lookUp(name).catch(() => false)) {
        const c = this.d.contact(name);
        if (c) this.d.found(c);
        return;
      }
      await new Promise((r) => setTimeout(r, this.gapMs).unref?.());
      if (!this.d.dialing(name)) return;
    }
  }
}
