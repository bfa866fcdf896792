// The order a contact's addresses are dialed in: the one that worked last
// first (the store keeps them in that order), IPv4 and IPv6 alike, without
// repeats; and how addresses learned while a round is under way (a beacon
// heard, a DHT record found) join it.
import type { Contact, ContactAddress } from "../../domain/contact.ts";
import { formatHostPort } from "../../domain/host-port.ts";

export interface Target {
  host: string;
  port: number;
}

/** The addresses to try, in order, without repeats; the contact's own ip/port when it has none. */
export function dialPlan(c: Contact): Target[] {
  const seen = new Set<string>();
  const plan: Target[] = [];
  const add = (a: Target) => {
    const key = formatHostPort(a.host, a.port);
    if (a.port > 0 && a.host && !seen.has(key)) {
      seen.add(key);
      plan.push({ host: a.host, port: a.port });
    }
  };
  for (const a of c.addresses as readonly ContactAddress[]) add(a);
  if (plan.length === 0) add(c);
  return plan;
}

/**
 * Puts the addresses of `fresh` that `plan` does not hold right after
 * position `at` (the one being tried), in their order; returns how many.
 */
export function insertFresh(plan: Target[], at: number, fresh: readonly Target[]): number {
  const planned = new Set(plan.map((t) => formatHostPort(t.host, t.port)));
  const added = fresh.filter((t) => !planned.has(formatHostPort(t.host, t.port)));
  plan.splice(at + 1, 0, ...added);
  return added.length;
}
