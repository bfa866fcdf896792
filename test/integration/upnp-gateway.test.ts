// UPnP's HTTP half against hostile gateways on loopback (the "gateway" is
// 127.0.0.1): a description whose URLBase or controlURL points at another
// host is refused before anything is sent there, a description or SOAP reply
// that never ends is read to 64 KiB and the connection dropped, and a
// redirect is not followed. Real HTTP over real sockets; the services the
// description points at record every connection.
import { describe, expect, test } from "bun:test";
import { ReachError } from "../../src/reach/reach-error.ts";
import { MAX_GATEWAY_BODY } from "../../src/reach/nat/gateway-http.ts";
import { UpnpGateway } from "../../src/reach/nat/upnp.ts";

const GATEWAY = "127.0.0.1";

function description(opts: { urlBase?: string; control: string }): string {
  return (
    `<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0">${opts.urlBase ? `<URLBase>${opts.urlBase}</URLBase>` : ""}` +
    `<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType><UDN>uuid:evil</UDN><serviceList><service>` +
    `<serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType><controlURL>${opts.control}</controlURL></service></serviceList></device></root>`
  );
}

/** A TCP listener that records each connection and what arrived on it, and answers nothing. */
function victim(hostname: string) {
  const seen: string[] = [];
  const server = Bun.listen({ hostname, port: 0, socket: { open: () => void seen.push("connection"), data: (_s, d) => void seen.push(d.toString()) } });
  return { port: server.port, seen, [Symbol.dispose]: () => server.stop(true) };
}

/**
 * An HTTP server on the gateway that answers every request with headers, then
 * chunks of 8 KiB every 5 ms, never ending: a client that reads it all reads
 * megabytes before its timeout. `closed` resolves with the bytes written when
 * the client drops the connection.
 */
function endless(firstDescription?: string) {
  const closed = Promise.withResolvers<number>();
  const chunk = `2000\r\n${"x".repeat(0x2000)}\r\n`;
  let requests = 0;
  const server = Bun.listen<{ timer?: ReturnType<typeof setInterval>; written: number; streaming: boolean }>({
    hostname: GATEWAY,
    port: 0,
    socket: {
      open(s) {
        s.data = { written: 0, streaming: false };
      },
      data(s, d) {
        if (s.data.streaming || !d.toString().includes("\r\n\r\n")) return;
        if (requests++ === 0 && firstDescription) {
          s.end(`HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(firstDescription)}\r\nConnection: close\r\n\r\n${firstDescription}`);
          return;
        }
        s.data.streaming = true;
        s.write("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n");
        s.data.timer = setInterval(() => (s.data.written += Math.max(0, s.write(chunk))), 5);
      },
      close(s) {
        clearInterval(s.data.timer);
        if (s.data.streaming) closed.resolve(s.data.written);
      },
    },
  });
  return { port: server.port, closed: closed.promise, [Symbol.dispose]: () => server.stop(true) };
}

/** Serves `body` as the description at /desc.xml (any other path: 404), counting requests. */
function describing(body: string | ((req: Request) => Response)) {
  const paths: string[] = [];
  const server = Bun.serve({
    hostname: GATEWAY,
    port: 0,
    fetch(req) {
      paths.push(`${req.method} ${new URL(req.url).pathname}`);
      if (typeof body === "function") return body(req);
      return new URL(req.url).pathname === "/desc.xml" ? new Response(body, { headers: { "Content-Type": "text/xml" } }) : new Response("no", { status: 404 });
    },
  });
  return { url: `http://${GATEWAY}:${server.port}/desc.xml`, port: server.port, paths, [Symbol.dispose]: () => server.stop(true) };
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ReachError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("it did not fail");
}

describe("UPnP talks to the gateway only", () => {
  test.each([
    ["a URLBase on our own loopback", (v: number) => ({ urlBase: `http://127.0.0.2:${v}/`, control: "/admin/reboot?confirm=yes" })],
    ["an absolute controlURL elsewhere", (v: number) => ({ control: `http://127.0.0.2:${v}/admin/reboot?confirm=yes` })],
    ["localhost by name", (v: number) => ({ urlBase: `http://localhost:${v}/`, control: "/admin/reboot?confirm=yes" })],
    ["the gateway's address spelled as a number (another host once parsed)", (v: number) => ({ control: `http://2130706434:${v}/admin/reboot` })],
  ])("%s: refused (OFF_GATEWAY), nothing reaches the service", async (_name, desc) => {
    using target = victim("127.0.0.2");
    using gw = describing(description(desc(target.port)));
    const f = await failure(UpnpGateway.fromLocation(gw.url, GATEWAY, 2000));
    expect(f.code).toBe("OFF_GATEWAY");
    expect(f.message).toContain("is not the gateway 127.0.0.1");
    expect(gw.paths).toEqual(["GET /desc.xml"]);
    // A SOAP request would have had time to arrive: the gateway answered, and we were done.
    expect(target.seen).toEqual([]);
  });

  test("a LOCATION on another host is not fetched at all", async () => {
    using other = describing(description({ control: "/ctl" }));
    const f = await failure(UpnpGateway.fromLocation(other.url.replace(GATEWAY, "127.0.0.2"), GATEWAY, 2000));
    expect(f).toEqual({ code: "OFF_GATEWAY", message: expect.stringContaining(`127.0.0.2:${other.port} is not the gateway 127.0.0.1`) });
    expect(other.paths).toEqual([]);
  });

  test("a redirect to another host is not followed", async () => {
    using target = victim("127.0.0.2");
    using gw = describing(() => Response.redirect(`http://127.0.0.2:${target.port}/desc.xml`, 302));
    const f = await failure(UpnpGateway.fromLocation(gw.url, GATEWAY, 2000));
    expect(f).toEqual({ code: "BAD_RESPONSE", message: expect.stringContaining("HTTP 302") });
    expect(target.seen).toEqual([]);
  });

  test("the gateway's own control URL works: a SOAP call reaches it", async () => {
    using gw = describing((req) =>
      new URL(req.url).pathname === "/desc.xml"
        ? new Response(description({ control: "/ctl/IPConn" }))
        : new Response(
            `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><u:GetExternalIPAddressResponse xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1"><NewExternalIPAddress>11.0.0.2</NewExternalIPAddress></u:GetExternalIPAddressResponse></s:Body></s:Envelope>`,
          ),
    );
    const upnp = await UpnpGateway.fromLocation(gw.url, GATEWAY, 2000);
    expect(await upnp.externalAddress()).toBe("11.0.0.2");
    expect(gw.paths).toEqual(["GET /desc.xml", "POST /ctl/IPConn"]);
  });
});

describe("what the gateway sends is read to 64 KiB, no further", () => {
  // Paced at 1.6 MB/s, a reader that waited for the 2 s timeout would take in about 3 MB.
  const BOUND = 4 * MAX_GATEWAY_BODY;

  test("a description that never ends: TOO_LARGE, the connection dropped after about 64 KiB", async () => {
    using gw = endless();
    const f = await failure(UpnpGateway.fromLocation(`http://${GATEWAY}:${gw.port}/desc.xml`, GATEWAY, 2000));
    expect(f).toEqual({ code: "TOO_LARGE", message: expect.stringContaining("over 64 KiB: not read further") });
    const written = await gw.closed;
    expect(written).toBeGreaterThan(MAX_GATEWAY_BODY - 0x2000);
    expect(written).toBeLessThan(BOUND);
  });

  test("a SOAP reply that never ends: the same", async () => {
    using gw = endless(description({ control: "/ctl/IPConn" }));
    const upnp = await UpnpGateway.fromLocation(`http://${GATEWAY}:${gw.port}/desc.xml`, GATEWAY, 2000);
    const f = await failure(upnp.externalAddress());
    expect(f).toEqual({ code: "TOO_LARGE", message: expect.stringContaining("UPnP GetExternalIPAddress: the answer is over 64 KiB") });
    expect(await gw.closed).toBeLessThan(BOUND);
  });

  test("a Content-Length over the cap is refused before the body is read", async () => {
    using gw = describing(() => new Response("x".repeat(MAX_GATEWAY_BODY + 1)));
    const f = await failure(UpnpGateway.fromLocation(gw.url, GATEWAY, 2000));
    expect(f.code).toBe("TOO_LARGE");
  });
});
