// Publishes one record signed with a home's own discovery key: a contact's
// own, validly signed record, saying whatever the test wants it to. Prints
// {"published":NODES,"seq":"..."} and exits.
//   bun test/net/dht-put-fixture.ts --bootstrap HOST:PORT,... --home DIR --peer-id ID [--addr HOST:PORT ...] [--value-hex HEX]
// --value-hex puts those bytes as the record's value instead of a DNS packet
// (an invalid one, or one shaped by hand).
import { parseArgs } from "node:util";
import type { PeerId } from "../../src/protocol/peer-id.ts";
import { parseBootstrap } from "../../src/reach/dht/dht-bootstrap.ts";
import { DhtClient } from "../../src/reach/dht/dht-client.ts";
import { loadOrCreateDiscoveryKey } from "../../src/reach/dht/discovery-key.ts";
import { encodeRecord, nowMicros, signable } from "../../src/reach/dht/record.ts";

const { values } = parseArgs({
  options: {
    bootstrap: { type: "string" },
    home: { type: "string" },
    "peer-id": { type: "string" },
    addr: { type: "string", multiple: true, default: [] },
    "value-hex": { type: "string" },
  },
});
const key = await loadOrCreateDiscoveryKey(values.home!);
const seq = nowMicros();
const record = values["value-hex"]
  ? (() => {
      const value = Uint8Array.from(Buffer.from(values["value-hex"]!, "hex"));
      return { key: key.publicKey, seq, sig: key.sign(signable(seq, value)), value };
    })()
  : encodeRecord({ peerId: values["peer-id"] as PeerId, addresses: values.addr!, relays: [] }, key, seq);
await using dht = await DhtClient.start({ bootstrap: parseBootstrap(values.bootstrap!) });
const nodes = await dht.publish(record);
console.log(JSON.stringify({ published: nodes, seq: String(seq) }));
