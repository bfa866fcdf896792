// A second port kept reachable from the internet the way the node's own
// port is: on a machine with a public address it is reachable as it is;
// behind a router that maps our listening port, it is mapped too (its own
// lease, renewed, removed on stop). The node's relay for its contacts
// listens there. Nothing is asked of the router otherwise.
import { childLogger } from "../../log.ts";
import { PortMapper, type PortMapperOptions } from "./portmap.ts";

export interface ExposedAt {
  host: string;
  port: number;
}

export interface ExposedPortDeps {
  /** Seeds the fallback external ports (the peer id). */
  seed: string;
  /** Port mapping knobs (tests shorten them). */
  portmap?: Partial<PortMapperOptions>;
  /** Where it is reachable changed. */
  changed(): void;
}

export class ExposedPort {
  private port: number | null = null;
  private publicIp: string | null = null;
  private mapper: PortMapper | null = null;

  constructor(private readonly d: ExposedPortDeps) {}

  /**
   * Keep `port` reachable (null: no longer): at `publicIp` when this machine
   * has one, else through a mapping of its own when `mapping` (the node's
   * own port is mapped, so the router maps ports).
   */
  set(port: number | null, how: { publicIp: string | null; mapping: boolean }): void {
    this.publicIp = port !== null ? how.publicIp : null;
    const wantMapper = port !== null && how.publicIp === null && how.mapping;
    if (this.mapper && (!wantMapper || this.port !== port)) {
      void this.mapper.stop().catch(() => {});
      this.mapper = null;
    }
    this.port = port;
    if (wantMapper && !this.mapper) {
      const mapper = new PortMapper({ ...this.d.portmap, internalPort: port, seed: `${this.d.seed}/relay`, description: "p2pchat relay for contacts", log: childLogger("portmap") });
      mapper.onChange(() => this.d.changed());
      this.mapper = mapper;
      void mapper.start().finally(() => this.d.changed());
    }
  }

  /** Where the internet reaches the port now, or null. */
  at(): ExposedAt | null {
    if (this.port === null) return null;
    if (this.publicIp) return { host: this.publicIp, port: this.port };
    const pub = this.mapper?.current();
    return pub ? { host: pub.address, port: pub.port } : null;
  }

  async stop(): Promise<void> {
    this.port = null;
    const m = this.mapper;
    this.mapper = null;
    await m?.stop().catch(() => {});
  }
}
