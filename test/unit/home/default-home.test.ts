// Where the home is when nothing says: decided per platform, so every
// platform's answer is checked on every machine the suite runs on.
import { describe, expect, test } from "bun:test";
import { defaultHome, type DefaultHomeWorld } from "../../../src/home/default-home.ts";

const world = (platform: NodeJS.Platform, userHome: string, env: Record<string, string> = {}, existing: string[] = []): DefaultHomeWorld => ({
  platform,
  env,
  userHome,
  exists: (p) => existing.includes(p),
});

describe("the default home", () => {
  test("Linux and macOS: ~/.p2pchat, whatever APPDATA says", () => {
    expect(defaultHome(world("linux", "/home/sue", { APPDATA: "/elsewhere" }))).toBe("/home/sue/.p2pchat");
    expect(defaultHome(world("darwin", "/Users/sue"))).toBe("/Users/sue/.p2pchat");
  });

  test("Windows: %APPDATA%\\p2pchat, spaces and accents kept as they are", () => {
    const w = world("win32", "C:\\Users\\Zoé M", { APPDATA: "C:\\Users\\Zoé M\\AppData\\Roaming" });
    expect(defaultHome(w)).toBe("C:\\Users\\Zoé M\\AppData\\Roaming\\p2pchat");
  });

  test("Windows: a home an older build made at ~\\.p2pchat is still the one used, until %APPDATA%\\p2pchat exists", () => {
    const env = { APPDATA: "C:\\Users\\sue\\AppData\\Roaming" };
    expect(defaultHome(world("win32", "C:\\Users\\sue", env, ["C:\\Users\\sue\\.p2pchat"]))).toBe("C:\\Users\\sue\\.p2pchat");
    const both = ["C:\\Users\\sue\\.p2pchat", "C:\\Users\\sue\\AppData\\Roaming\\p2pchat"];
    expect(defaultHome(world("win32", "C:\\Users\\sue", env, both))).toBe("C:\\Users\\sue\\AppData\\Roaming\\p2pchat");
  });

  test("Windows without a usable APPDATA (a service account, a stripped environment): ~\\.p2pchat", () => {
    expect(defaultHome(world("win32", "C:\\Users\\sue"))).toBe("C:\\Users\\sue\\.p2pchat");
    expect(defaultHome(world("win32", "C:\\Users\\sue", { APPDATA: "relative\\dir" }))).toBe("C:\\Users\\sue\\.p2pchat");
  });
});
