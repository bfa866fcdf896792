// Login links work once and briefly; sessions expire unused; the oldest go
// when too many are open.
import { describe, expect, test } from "bun:test";
import { LOGIN_TTL_MS, SESSION_TTL_MS, Sessions, sameSecret } from "../../../src/web/sessions.ts";

describe("sessions", () => {
  test("a login link opens one session, once", () => {
    const s = new Sessions();
    const token = s.newLogin();
    const session = s.login(token);
    expect(session).not.toBeNull();
    expect(s.find(session!.id)).toBe(session);
    expect(s.login(token)).toBeNull();
    expect(s.login("made-up")).toBeNull();
  });

  test("a login link older than its two minutes opens nothing", () => {
    let now = 1_000_000;
    const s = new Sessions(() => now);
    const token = s.newLogin();
    now += LOGIN_TTL_MS + 1;
    expect(s.login(token)).toBeNull();
  });

  test("a session unused past its time is gone; each use extends it", () => {
    let now = 1_000_000;
    const s = new Sessions(() => now);
    const a = s.open();
    const b = s.open();
    now += SESSION_TTL_MS - 1;
    expect(s.find(a.id)).not.toBeNull(); // used: extended
    now += 2;
    expect(s.find(b.id)).toBeNull();
    expect(s.find(a.id)).not.toBeNull();
  });

  test("each session has its own CSRF token; closing one ends it", () => {
    const s = new Sessions();
    const a = s.open();
    const b = s.open();
    expect(a.csrf).not.toBe(b.csrf);
    expect(a.csrf).not.toBe(a.id);
    s.close(a.id);
    expect(s.find(a.id)).toBeNull();
    expect(s.find(b.id)).not.toBeNull();
  });

  test("past 25 sessions the oldest is dropped", () => {
    const s = new Sessions();
    const first = s.open();
    for (let i = 0; i < 25; i++) s.open();
    expect(s.find(first.id)).toBeNull();
  });

  test("secrets compare whole", () => {
    expect([sameSecret("abc", "abc"), sameSecret("abc", "abd"), sameSecret("abc", "ab"), sameSecret("", "")]).toEqual([true, false, false, true]);
  });
});
