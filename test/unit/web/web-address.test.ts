// Which Host headers the page answers (DNS rebinding: a name that points at
// 127.0.0.1 is not this page), and the addresses --web takes.
import { describe, expect, test } from "bun:test";
import { hostAllowed, isLoopbackBind, pageOrigin, parseWebBind } from "../../../src/web/web-address.ts";

describe("the Host check", () => {
  const loop = { host: "127.0.0.1", port: 20080 };
  test("on loopback: loopback names and addresses at our port, nothing else", () => {
    const allowed = ["127.0.0.1:20080", "localhost:20080", "LOCALHOST:20080", "app.localhost:20080", "[::1]:20080", "127.0.0.2:20080"];
    const refused = ["evil.example:20080", "127.0.0.1.nip.io:20080", "192.168.1.20:20080", "127.0.0.1:20081", "127.0.0.1", "", "localhost:20080:1", "[::1", "10.0.0.1:20080"];
    expect(allowed.filter((h) => !hostAllowed(h, loop))).toEqual([]);
    expect(refused.filter((h) => hostAllowed(h, loop))).toEqual([]);
    expect(hostAllowed(null, loop)).toBe(false);
  });

  test("beyond loopback (with a password): any IP address at our port, still no DNS name", () => {
    const lan = { host: "0.0.0.0", port: 20080 };
    expect(["192.168.1.20:20080", "10.0.0.5:20080", "[fe80::1]:20080", "127.0.0.1:20080", "localhost:20080"].every((h) => hostAllowed(h, lan))).toBe(true);
    expect(["mybox.lan:20080", "evil.example:20080", "192.168.1.20:80"].some((h) => hostAllowed(h, lan))).toBe(false);
  });

  test("port 80 may be left out of the header", () => {
    expect(hostAllowed("localhost", { host: "127.0.0.1", port: 80 })).toBe(true);
  });
});

describe("--web HOST:PORT", () => {
  test("an address and a port (0: any free one), or off", () => {
    expect(parseWebBind("127.0.0.1:20080")).toEqual({ host: "127.0.0.1", port: 20080 });
    expect(parseWebBind("[::1]:0")).toEqual({ host: "::1", port: 0 });
    expect(parseWebBind("localhost:8080")).toEqual({ host: "localhost", port: 8080 });
    expect(parseWebBind("off")).toBeNull();
  });

  test("a host name, a missing port or a bad one is refused, saying what is wanted", () => {
    expect(() => parseWebBind("mybox.lan:20080")).toThrow("the page listens on an IP address (or localhost), not a host name");
    expect(() => parseWebBind("127.0.0.1")).toThrow("expected HOST:PORT for the page, for example 127.0.0.1:20080");
    expect(() => parseWebBind("127.0.0.1:99999")).toThrow("invalid port");
  });

  test("loopback or not, and where a browser on this machine opens it", () => {
    expect([isLoopbackBind("127.0.0.1"), isLoopbackBind("::1"), isLoopbackBind("localhost"), isLoopbackBind("0.0.0.0"), isLoopbackBind("192.168.1.2")]).toEqual([true, true, true, false, false]);
    expect(pageOrigin({ host: "0.0.0.0", port: 20080 })).toBe("http://127.0.0.1:20080");
    expect(pageOrigin({ host: "::", port: 20080 })).toBe("http://[::1]:20080");
    expect(pageOrigin({ host: "192.168.1.2", port: 20080 })).toBe("http://192.168.1.2:20080");
  });
});
