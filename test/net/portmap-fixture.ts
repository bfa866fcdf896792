// A discoverable node's port mapping, alone, inside a testbed host: an echo
// server (echo-server.ts) on --port and a PortMapper for it. Prints JSON
// lines on stdout: {"ready":PORT,"fingerprint"?}, {"started":CURRENT},
// {"change":CURRENT} on each onChange, {"log":LEVEL,"msg":TEXT} for each log
// line, {"stopped":true}. Reads commands on stdin: "stop" (PortMapper.stop;
// the echo server stays up, so a refused dial proves the mapping is gone),
// "moved" (networkChanged(), then {"moved":CURRENT}), "exit" (exit without
// stop: as a crash, leaves the mapping).
//   bun test/net/portmap-fixture.ts [--port N] [--via upnp|nat-pmp] [--lease S] [--check S] [--retry S] [--discover-ms MS] [--seed S] [--tls]
import { parseArgs } from "node:util";
import { PortMapper, type MappingVia } from "../../src/reach/nat/portmap.ts";
import { startEchoServer } from "./echo-server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    via: { type: "string", multiple: true },
    lease: { type: "string", default: "3600" },
    check: { type: "string", default: "300" },
    retry: { type: "string", default: "30" },
    "discover-ms": { type: "string", default: "2000" },
    seed: { type: "string", default: "" },
    tls: { type: "boolean", default: false },
  },
});
const print = (o: unknown) => console.log(JSON.stringify(o));

const echo = await startEchoServer({ port: Number(values.port), host: "0.0.0.0", tls: values.tls });
print({ ready: echo.port, fingerprint: echo.fingerprint });
const pm = new PortMapper({
  internalPort: echo.port,
  leaseSeconds: Number(values.lease),
  checkSeconds: Number(values.check),
  retrySeconds: Number(values.retry),
  discoverMs: Number(values["discover-ms"]),
  via: values.via as MappingVia[] | undefined,
  seed: values.seed,
  log: { debug: (msg) => print({ log: "debug", msg }), info: (msg) => print({ log: "info", msg }) },
});
pm.onChange((now) => print({ change: now }));
await pm.start();
print({ started: pm.current() });

for await (const line of console) {
  if (line === "stop") {
    await pm.stop();
    print({ stopped: true, current: pm.current() });
  }
  if (line === "moved") {
    await pm.networkChanged();
    print({ moved: pm.current() });
  }
  if (line === "exit") process.exit(0);
}
