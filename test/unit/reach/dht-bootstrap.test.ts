import { expect, test } from "bun:test";
import { chooseBootstrap, MAINLINE_ROUTERS, noDhtReason, parseBootstrap } from "../../../src/reach/dht/dht-bootstrap.ts";

test("parses HOST:PORT lists; refuses IPv6 and missing ports with a reason", () => {
  expect(parseBootstrap("127.0.0.1:6881, Router.Example.org:25401,")).toEqual([
    { host: "127.0.0.1", port: 6881 },
    { host: "router.example.org", port: 25401 },
  ]);
  expect(() => parseBootstrap("[::1]:6881")).toThrow("IPv6 is not supported");
  expect(() => parseBootstrap("127.0.0.1")).toThrow("expected HOST:PORT");
  expect(() => parseBootstrap("127.0.0.1:0")).toThrow("expected HOST:PORT");
  expect(() => parseBootstrap(" , ")).toThrow(expect.objectContaining({ code: "BAD_BOOTSTRAP" }));
});

test("explicit nodes always; the public routers only while discovery is allowed", () => {
  const mine = [{ host: "127.0.0.1", port: 1 }];
  expect(chooseBootstrap(mine, { P2PCHAT_DISCOVERY: "off" })).toEqual(mine);
  expect(chooseBootstrap(mine, {})).toEqual(mine);
  expect(chooseBootstrap(undefined, { P2PCHAT_DISCOVERY: "off" })).toEqual([]);
  expect(chooseBootstrap([], { P2PCHAT_DISCOVERY: "0" })).toEqual([]);
  expect(chooseBootstrap(undefined, {})).toEqual([...MAINLINE_ROUTERS]);
  expect(noDhtReason({ P2PCHAT_DISCOVERY: "off" })).toContain("--dht-bootstrap");
});

test("this process never has the public routers (the test preload turns discovery off)", () => {
  expect(chooseBootstrap(undefined)).toEqual([]);
});
