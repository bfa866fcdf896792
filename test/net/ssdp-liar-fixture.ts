// A host on a router's LAN that answers every SSDP M-SEARCH as if it were an
// Internet Gateway Device: LOCATION on itself, and a description whose
// URLBase (and controlURL) point wherever --urlbase says (the asking node's
// own loopback, in the SSRF test). Prints JSON lines: {"ready":true},
// {"answered":FROM} per M-SEARCH answered, {"http":"METHOD PATH","from":IP}
// per HTTP request.
//   bun test/net/ssdp-liar-fixture.ts --address A --urlbase http://127.0.0.1:8999/ [--control /admin/reboot?confirm=yes] [--http-port 8080]
import dgram from "node:dgram";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    address: { type: "string" },
    urlbase: { type: "string" },
    control: { type: "string", default: "/admin/reboot?confirm=yes" },
    "http-port": { type: "string", default: "8080" },
  },
});
const print = (o: unknown) => console.log(JSON.stringify(o));
const address = values.address!;
const httpPort = Number(values["http-port"]);
const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

const description =
  `<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>` +
  `<URLBase>${escape(values.urlbase!)}</URLBase><device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>` +
  `<UDN>uuid:liar</UDN><serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>` +
  `<controlURL>${escape(values.control!)}</controlURL></service></serviceList></device></root>`;

Bun.serve({
  hostname: address,
  port: httpPort,
  fetch(req, server) {
    print({ http: `${req.method} ${new URL(req.url).pathname}`, from: server.requestIP(req)?.address });
    return new Response(description, { headers: { "Content-Type": "text/xml" } });
  },
});

const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
socket.on("message", (m, r) => {
  const text = m.toString("latin1");
  if (!text.startsWith("M-SEARCH")) return;
  const st = /^ST:\s*(.+?)\s*$/im.exec(text)?.[1] ?? "upnp:rootdevice";
  const reply = `HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: ${st}\r\nUSN: uuid:liar::${st}\r\nEXT:\r\nSERVER: Liar/1 UPnP/1.1\r\nLOCATION: http://${address}:${httpPort}/desc.xml\r\n\r\n`;
  socket.send(reply, r.port, r.address);
  print({ answered: r.address });
});
await new Promise<void>((resolve) => socket.bind(1900, "0.0.0.0", () => resolve()));
socket.addMembership("239.255.255.250", address);
print({ ready: true });
