// UPnP without a router: descriptions captured from miniupnpd 2.3.1 (IGD v1
// and v2) and a PPPoE DSL router's, SOAP bodies both ways, SSDP replies.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { encodeSearch, parseSearchReply } from "../../../src/reach/nat/ssdp.ts";
import { parseDescription, parseSoapReply, soapEnvelope } from "../../../src/reach/nat/upnp.ts";
import { ReachError } from "../../../src/reach/reach-error.ts";

const fixture = (name: string) => Bun.file(join(import.meta.dir, "fixtures", name)).text();

describe("device description", () => {
  test("miniupnpd IGD v2: WANIPConnection:2, control URL made absolute", async () => {
    const xml = await fixture("miniupnpd-igd2.xml");
    const udn = /<UDN>([^<]+)<\/UDN>/.exec(xml)![1];
    expect(parseDescription(xml, "http://192.168.1.1:40141/rootDesc.xml")).toEqual({
      deviceId: udn!,
      serviceType: "urn:schemas-upnp-org:service:WANIPConnection:2",
      controlUrl: "http://192.168.1.1:40141/ctl/IPConn",
    });
  });

  test("miniupnpd IGD v1 (force_igd_desc_v1): WANIPConnection:1", async () => {
    const s = parseDescription(await fixture("miniupnpd-igd1.xml"), "http://192.168.1.1:5000/rootDesc.xml");
    expect(s?.serviceType).toBe("urn:schemas-upnp-org:service:WANIPConnection:1");
    expect(s?.controlUrl).toBe("http://192.168.1.1:5000/ctl/IPConn");
  });

  test("a PPPoE DSL router: WANPPPConnection:1, the root device's UDN as its id", async () => {
    expect(parseDescription(await fixture("wanppp-igd1.xml"), "http://192.168.178.1:49000/igddesc.xml")).toEqual({
      deviceId: "uuid:75802409-bccb-40e7-8e6c-3431c4a2b8c8",
      serviceType: "urn:schemas-upnp-org:service:WANPPPConnection:1",
      controlUrl: "http://192.168.178.1:49000/igdupnp/control/WANPPPConn1",
    });
  });

  test("URLBase wins over the location; no WAN connection service: null", () => {
    const svc = (type: string) => `<service><serviceType>${type}</serviceType><controlURL>ctl/x</controlURL></service>`;
    const doc = (body: string) => `<root><URLBase>http://10.0.0.1:80/base/</URLBase><device><UDN>uuid:1</UDN><serviceList>${body}</serviceList></device></root>`;
    expect(parseDescription(doc(svc("urn:schemas-upnp-org:service:WANIPConnection:1")), "http://10.0.0.1:9/d.xml")?.controlUrl).toBe("http://10.0.0.1/base/ctl/x");
    expect(parseDescription(doc(svc("urn:schemas-upnp-org:service:Layer3Forwarding:1")), "http://10.0.0.1:9/d.xml")).toBeNull();
    expect(parseDescription("not xml at all", "http://10.0.0.1:9/d.xml")).toBeNull();
  });
});

describe("SOAP", () => {
  const env = (inner: string) =>
    `<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>${inner}</s:Body></s:Envelope>\r\n`;

  test("a request: the action in the service's namespace, arguments in order, text escaped", () => {
    expect(
      soapEnvelope("urn:schemas-upnp-org:service:WANIPConnection:1", "DeletePortMapping", [
        ["NewExternalPort", 4000],
        ["NewPortMappingDescription", "a<b&c"],
      ]),
    ).toBe(
      env(
        `<u:DeletePortMapping xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1"><NewExternalPort>4000</NewExternalPort><NewPortMappingDescription>a&lt;b&amp;c</NewPortMappingDescription></u:DeletePortMapping>`,
      ),
    );
  });

  test("answers as miniupnpd sends them: out-arguments, or none", () => {
    const ns = 'xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:2"';
    expect(parseSoapReply(200, env(`<u:GetExternalIPAddressResponse ${ns}><NewExternalIPAddress>11.0.0.2</NewExternalIPAddress></u:GetExternalIPAddressResponse>`), "GetExternalIPAddress")).toEqual({
      NewExternalIPAddress: "11.0.0.2",
    });
    expect(parseSoapReply(200, env(`<u:AddAnyPortMappingResponse ${ns}><NewReservedPort>4000</NewReservedPort></u:AddAnyPortMappingResponse>`), "AddAnyPortMapping")).toEqual({
      NewReservedPort: "4000",
    });
    expect(parseSoapReply(200, env(`<u:DeletePortMappingResponse ${ns}></u:DeletePortMappingResponse>`), "DeletePortMapping")).toEqual({});
    expect(parseSoapReply(200, env(`<u:AddPortMappingResponse ${ns}/>`), "AddPortMapping")).toEqual({});
  });

  test("a UPnP fault is GATEWAY_REFUSED with its error code; anything else BAD_RESPONSE", () => {
    const fault = env(
      `<s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>718</errorCode><errorDescription>ConflictInMappingEntry</errorDescription></UPnPError></detail></s:Fault>`,
    );
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof ReachError ? { code: e.code, detail: e.detail, message: e.message } : e;
      }
    };
    expect(err(() => parseSoapReply(500, fault, "AddPortMapping"))).toEqual({ code: "GATEWAY_REFUSED", detail: 718, message: "UPnP AddPortMapping: the gateway refused (718 ConflictInMappingEntry)" });
    expect(err(() => parseSoapReply(500, "<html>oops</html>", "AddPortMapping"))).toMatchObject({ code: "BAD_RESPONSE", detail: undefined });
    expect(err(() => parseSoapReply(200, env("<u:SomethingElse/>"), "AddPortMapping"))).toMatchObject({ code: "BAD_RESPONSE" });
  });
});

describe("SSDP", () => {
  test("the search names the device type and the multicast host", () => {
    expect(new TextDecoder().decode(encodeSearch("urn:schemas-upnp-org:device:InternetGatewayDevice:2"))).toBe(
      'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:2\r\n\r\n',
    );
  });

  test("a reply (as miniupnpd sends it) gives the description's location; NOTIFYs and junk do not", () => {
    const reply = [
      "HTTP/1.1 200 OK",
      "CACHE-CONTROL: max-age=120",
      "ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1",
      "USN: uuid:3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b::urn:schemas-upnp-org:device:InternetGatewayDevice:1",
      "EXT:",
      "SERVER: Debian/12 UPnP/1.1 MiniUPnPd/2.3.1",
      "LOCATION: http://192.168.1.1:40141/rootDesc.xml",
      "",
      "",
    ].join("\r\n");
    expect(parseSearchReply(reply, "192.168.1.1")).toEqual({
      from: "192.168.1.1",
      location: "http://192.168.1.1:40141/rootDesc.xml",
      st: "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
      usn: "uuid:3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b::urn:schemas-upnp-org:device:InternetGatewayDevice:1",
    });
    expect(parseSearchReply(reply.replace("HTTP/1.1 200 OK", "NOTIFY * HTTP/1.1"), "192.168.1.1")).toBeNull();
    expect(parseSearchReply(reply.replace("LOCATION: http", "LOCATION: file"), "192.168.1.1")).toBeNull();
    expect(parseSearchReply("garbage", "192.168.1.1")).toBeNull();
  });
});
