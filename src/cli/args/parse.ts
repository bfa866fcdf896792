// Parsers for option values, each failing with a UsageError that says what it wanted.
import { UsageError } from "../exit-codes.ts";

/** A count: a whole number from min to max. */
export function parseCount(flag: string, value: string | undefined, fallback: number, min = 1, max = 1_000_000): number {
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** Seconds, fractions allowed: `--wait 2.5`. */
export function parseSeconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  if (!/^\d+(\.\d+)?$/.test(value)) throw new UsageError(`${flag} must be a number of seconds, not ${JSON.stringify(value)}`);
  return Number(value);
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A point in time: epoch ms, an ISO date (`2024-05-01`, `2024-05-01T10:00`), or an age (`90m`, `2h`, `7d`). */
export function parseTime(flag: string, value: string, now = Date.now()): number {
  const v = value.trim();
  if (/^\d{10,}$/.test(v)) return Number(v);
  const rel = /^(\d+)\s*([smhdw])$/.exec(v);
  if (rel) return now - Number(rel[1]) * UNITS[rel[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}/.test(v)) {
    // A date alone means local midnight, as a person means it.
    const t = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00`).getTime() : Date.parse(v);
    if (Number.isFinite(t)) return t;
  }
  throw new UsageError(`${flag} takes epoch milliseconds, a date like 2024-05-01 or 2024-05-01T10:00, or an age like 90m, 2h, 7d; not ${JSON.stringify(value)}`);
}

/** A length of time: `7d`, `12h`, `30m`, `90s`, `2w` (a bare number is seconds). */
export function parseDuration(flag: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined || value === "") return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw]?)$/.exec(value.trim());
  const ms = m ? Number(m[1]) * UNITS[m[2] || "s"]! : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`${flag} takes a length of time like 30m, 12h, 7d or 2w, not ${JSON.stringify(value)}`);
  return ms;
}
