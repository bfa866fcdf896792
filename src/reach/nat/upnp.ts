// UPnP IGD control: read a gateway's device description, pick its WAN
// connection service (WANIPConnection:2, then :1, then WANPPPConnection:1),
// and call it with SOAP: GetExternalIPAddress, AddPortMapping,
// AddAnyPortMapping (v2 only), DeletePortMapping. Building and reading the
// XML are pure functions; only UpnpGateway does HTTP, to the default gateway
// alone and with capped bodies (gateway-http.ts).
import { ReachError } from "../reach-error.ts";
import { fetchFromGateway, offGateway } from "./gateway-http.ts";

export const WAN_SERVICE_TYPES = ["urn:schemas-upnp-org:service:WANIPConnection:2", "urn:schemas-upnp-org:service:WANIPConnection:1", "urn:schemas-upnp-org:service:WANPPPConnection:1"];

/** UPnP error codes we act on. */
export const UPNP_NO_SUCH_ENTRY = 714;
export const UPNP_CONFLICT = 718;
export const UPNP_ONLY_PERMANENT_LEASES = 725;

export interface WanService {
  /** The root device's UDN: the gateway's stable id. */
  deviceId: string;
  serviceType: string;
  controlUrl: string;
}

export interface PortMappingRequest {
  externalPort: number;
  internalPort: number;
  internalClient: string;
  leaseSeconds: number;
  description: string;
}

/** Picks the best WAN connection service of a device description, or null. */
export function parseDescription(xml: string, location: string): WanService | null {
  const base = textOf(xml, "URLBase") || location;
  const services = blocksOf(xml, "service").map((s) => ({ type: textOf(s, "serviceType"), control: textOf(s, "controlURL") }));
  for (const type of WAN_SERVICE_TYPES) {
    const s = services.find((x) => x.type === type && x.control);
    if (!s) continue;
    try {
      return { deviceId: textOf(xml, "UDN") || location, serviceType: type, controlUrl: new URL(s.control, base).href };
    } catch {
      return null;
    }
  }
  return null;
}

export function soapEnvelope(serviceType: string, action: string, args: [string, string | number][]): string {
  const body = args.map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`).join("");
  return (
    `<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">` +
    `<s:Body><u:${action} xmlns:u="${serviceType}">${body}</u:${action}></s:Body></s:Envelope>\r\n`
  );
}

/** The response's out-arguments; throws GATEWAY_REFUSED for a UPnP fault, BAD_RESPONSE for anything unreadable. */
export function parseSoapReply(status: number, xml: string, action: string): Record<string, string> {
  const code = textOf(xml, "errorCode");
  if (status !== 200 || code) {
    if (code) throw ReachError.refused(`UPnP ${action}`, Number(code), textOf(xml, "errorDescription") || "UPnPError");
    throw ReachError.badResponse(`UPnP ${action}`, `HTTP ${status}`);
  }
  // <u:AddPortMappingResponse/>, with no out-arguments, is self-closing.
  const inner = blocksOf(xml, `${action}Response`)[0] ?? (new RegExp(`<(?:[\\w-]+:)?${action}Response(?:\\s[^>]*)?/>`).test(xml) ? "" : undefined);
  if (inner === undefined) throw ReachError.badResponse(`UPnP ${action}`, `no ${action}Response`);
  const out: Record<string, string> = {};
  for (const m of inner.matchAll(/<(?:[\w-]+:)?(New\w+)\s*>([\s\S]*?)<\//g)) out[m[1]!] = unescapeXml(m[2]!.trim());
  return out;
}

export class UpnpGateway {
  constructor(
    readonly service: WanService,
    /** The default gateway's address: the only host we send anything to. */
    readonly gateway: string,
    private readonly timeoutMs = 3000,
  ) {}

  /**
   * Reads the description at `location`; throws when it is not on `gateway`,
   * offers no WAN connection service, or puts its control URL (URLBase,
   * controlURL) on another host (OFF_GATEWAY: nothing is sent there).
   */
  static async fromLocation(location: string, gateway: string, timeoutMs = 3000): Promise<UpnpGateway> {
    const what = `UPnP description ${location}`;
    const { status, text } = await fetchFromGateway(what, location, gateway, { timeoutMs });
    if (status !== 200) throw ReachError.badResponse(what, `HTTP ${status}`);
    const service = parseDescription(text, location);
    if (!service) throw ReachError.badResponse(what, "no WANIPConnection or WANPPPConnection service");
    const why = offGateway(service.controlUrl, gateway);
    if (why) throw ReachError.offGateway(what, service.controlUrl, `its control URL ${why}`);
    return new UpnpGateway(service, gateway, timeoutMs);
  }

  /** 2 for WANIPConnection:2 (AddAnyPortMapping, leases required), else 1. */
  get version(): 1 | 2 {
    return this.service.serviceType.endsWith(":2") ? 2 : 1;
  }

  async externalAddress(): Promise<string> {
    return (await this.call("GetExternalIPAddress", [])).NewExternalIPAddress ?? "";
  }

  async addPortMapping(m: PortMappingRequest): Promise<void> {
    await this.call("AddPortMapping", mappingArgs(m));
  }

  /** IGD v2: the gateway picks a free port near `externalPort` and says which. */
  async addAnyPortMapping(m: PortMappingRequest): Promise<number> {
    const port = Number((await this.call("AddAnyPortMapping", mappingArgs(m))).NewReservedPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw ReachError.badResponse("UPnP AddAnyPortMapping", "no NewReservedPort");
    return port;
  }

  async deletePortMapping(externalPort: number): Promise<void> {
    await this.call("DeletePortMapping", [
      ["NewRemoteHost", ""],
      ["NewExternalPort", externalPort],
      ["NewProtocol", "TCP"],
    ]);
  }

  private async call(action: string, args: [string, string | number][]): Promise<Record<string, string>> {
    const { serviceType, controlUrl } = this.service;
    const { status, text } = await fetchFromGateway(`UPnP ${action}`, controlUrl, this.gateway, {
      method: "POST",
      headers: { "Content-Type": 'text/xml; charset="utf-8"', SOAPAction: `"${serviceType}#${action}"` },
      body: soapEnvelope(serviceType, action, args),
      timeoutMs: this.timeoutMs,
    });
    return parseSoapReply(status, text, action);
  }
}

function mappingArgs(m: PortMappingRequest): [string, string | number][] {
  return [
    ["NewRemoteHost", ""],
    ["NewExternalPort", m.externalPort],
    ["NewProtocol", "TCP"],
    ["NewInternalPort", m.internalPort],
    ["NewInternalClient", m.internalClient],
    ["NewEnabled", 1],
    ["NewPortMappingDescription", m.description],
    ["NewLeaseDuration", m.leaseSeconds],
  ];
}

/** Inner text of the first element named `name` (any namespace prefix), entities decoded; "" when absent. */
function textOf(xml: string, name: string): string {
  const b = blocksOf(xml, name)[0];
  return b === undefined ? "" : unescapeXml(b.trim());
}

function blocksOf(xml: string, name: string): string[] {
  const re = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${name}\\s*>`, "g");
  return [...xml.matchAll(re)].map((m) => m[1]!);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
