// Hand-built frames for the protocol tests: bytes written out by hand, not by
// the encoder under test, so a matching bug in both halves cannot hide.
import { expect } from "bun:test";
import { createDecoder, encodeFrame, type Decoder } from "../../../src/protocol/codec.ts";
import { ProtocolError, type ProtocolErrorCode } from "../../../src/protocol/protocol-error.ts";
import type { Frame, Hello } from "../../../src/protocol/messages.ts";

export const TYPE = { hello: 1, message: 2, ack: 3, keepalive: 4, error: 5, inviteAnswer: 10, refuse: 11 } as const;

export const HELLO: Hello = { type: "hello", version: 1, name: "alice", port: 20001, caps: ["v1"], session: "run-1" };

export const ID_A = "0190f3b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b";
export const ID_B = "ffffffff-0000-7000-8000-000000000001";

/** u32 BE length (type byte + payload), type, payload. */
export function frame(type: number, payload: Uint8Array | number[] = []): Uint8Array {
  const p = Uint8Array.from(payload);
  const out = new Uint8Array(5 + p.length);
  new DataView(out.buffer).setUint32(0, p.length + 1);
  out[4] = type;
  out.set(p, 5);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function idBytes(id: string): Uint8Array {
  return Uint8Array.from(Buffer.from(id.replace(/-/g, ""), "hex"));
}

export function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

/** "P2PC" (or other magic), u16 version, JSON text. */
export function helloPayload(json: unknown, version = 1, magic: number[] = [0x50, 0x32, 0x50, 0x43]): Uint8Array {
  const text = typeof json === "string" ? json : JSON.stringify(json);
  return concat(Uint8Array.from(magic), Uint8Array.of(version >>> 8, version & 0xff), utf8(text));
}

export const HELLO_JSON = { name: "alice", port: 20001, caps: ["v1"], session: "run-1" };
export const HELLO_FRAME = frame(TYPE.hello, helloPayload(HELLO_JSON));

export function messagePayload(id: string, created: number, body: Uint8Array): Uint8Array {
  return concat(idBytes(id), u64(created), body);
}

/** Pushes `chunks` into a fresh decoder, returning every frame. */
export function decodeAll(chunks: Uint8Array[], decoder: Decoder = createDecoder()): Frame[] {
  const out: Frame[] = [];
  for (const c of chunks) out.push(...decoder.push(c));
  return out;
}

/** Runs `fn`, expecting a ProtocolError with `code`; returns it. */
export function expectCode(fn: () => unknown, code: ProtocolErrorCode): ProtocolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(code);
    return err as ProtocolError;
  }
  throw new Error(`expected a ProtocolError ${code}, nothing was thrown`);
}

/** Splits `b` at the given cut points (any numbers; taken modulo the length, sorted). */
export function splitAt(b: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (b.length === 0 ? 0 : c % (b.length + 1))))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  out.push(b.subarray(prev));
  return out;
}

/** A decoder that has read a hello: what comes next is checked as a frame after it. */
export function afterHello(): Decoder {
  const d = createDecoder();
  d.push(HELLO_FRAME);
  return d;
}

/** `frames` encoded after a hello and decoded again (the hello left out). */
export function roundTrip(...frames: Frame[]): Frame[] {
  return decodeAll([concat(HELLO_FRAME, ...frames.map(encodeFrame))]).slice(1);
}
