// Peers that misbehave, for the tests that prove a node survives them: a
// plain TCP client, and a TLS client with a real certificate that sends
// whatever bytes the test wants.
import type { Socket } from "bun";
import { createIdentity, type Identity } from "../../src/transport/identity.ts";
import { tlsOptions } from "../../src/transport/tls.ts";
import { createDecoder } from "../../src/protocol/codec.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import { tempDir } from "./tmp.ts";

export interface RawPeer extends AsyncDisposable {
  socket: Socket<unknown>;
  /** Resolves when the node closes the connection. */
  closed: Promise<void>;
  isClosed(): boolean;
  /** Frames the node sent us (TLS clients only). */
  frames: Frame[];
  write(bytes: Uint8Array | string): void;
}

export async function newIdentity(name = "raw"): Promise<Identity> {
  await using dir = await tempDir();
  return await createIdentity(dir.path, name);
}

/** `onFrame`: called for each frame the node sends (a peer that answers as it goes). */
export async function rawPeer(port: number, opts: { tls?: Identity; onFrame?: (f: Frame) => void } = {}): Promise<RawPeer> {
  const closed = Promise.withResolvers<void>();
  const handshake = Promise.withResolvers<void>();
  let isClosed = false;
  const frames: Frame[] = [];
  const decoder = createDecoder({ expectHello: true });
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    tls: opts.tls ? tlsOptions(opts.tls) : undefined,
    socket: {
      handshake() {
        handshake.resolve();
      },
      data(_s, chunk) {
        let got: Frame[] = [];
        try {
          got = decoder.push(new Uint8Array(chunk));
        } catch {
          // a test reads what it can
        }
        frames.push(...got);
        for (const f of got) opts.onFrame?.(f);
      },
      close() {
        isClosed = true;
        closed.resolve();
        handshake.resolve();
      },
      error() {
        isClosed = true;
        closed.resolve();
        handshake.resolve();
      },
    },
  });
  if (opts.tls) await handshake.promise;
  return {
    socket: socket as Socket<unknown>,
    closed: closed.promise,
    isClosed: () => isClosed,
    frames,
    write: (b) => void socket.write(b),
    async [Symbol.asyncDispose]() {
      socket.terminate();
    },
  };
}
