// Runs once before the test files.
import { setDefaultTimeout } from "bun:test";
import { silenceLogs } from "../../src/log.ts";
import { MYSQL_URL } from "./databases.ts";

// Node-to-node tests start processes and TLS links: give them room. A test
// that hangs still fails, after a minute rather than five seconds. (Bun 1.4
// applies this to the first test file only; the slow files set it themselves.)
setDefaultTimeout(60_000);

// Nodes started inside the test process reach nothing beyond loopback: no
// LAN beacons, no port mapping, no public DHT bootstrap.
process.env.P2PCHAT_DISCOVERY = "off";

// `bun test` prints test results only: the nodes a test starts in this
// process log nothing (what they must say, a test checks through their
// events). P2PCHAT_TEST_LOG=1 shows their logs, to look into a failure.
if (!process.env.P2PCHAT_TEST_LOG) silenceLogs();

if (!MYSQL_URL) {
  console.warn("p2pchat: MariaDB tests skipped: set P2PCHAT_TEST_MYSQL=mysql://root@127.0.0.1:3306/test to run every store test on MariaDB too");
}
