// An echo server for the testbed (see echo-server.ts). Prints
// "ready PORT [FINGERPRINT]" once listening and "conn ADDRESS" per connection.
//   bun test/net/echo-fixture.ts [--port N] [--host 0.0.0.0|::] [--tls]
import { parseArgs } from "node:util";
import { startEchoServer } from "./echo-server.ts";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" }, host: { type: "string", default: "0.0.0.0" }, tls: { type: "boolean", default: false } } });
const echo = await startEchoServer({ port: Number(values.port), host: values.host, tls: values.tls, onConnection: (from) => console.log(`conn ${from}`) });
console.log(`ready ${echo.port}${echo.fingerprint ? " " + echo.fingerprint : ""}`);
process.on("SIGTERM", () => {
  echo.stop();
  process.exit(0);
});
