// A file shared in a group: a group message of kind GROUP_FILE_KIND whose
// body is this JSON, signed by its poster like any group message, so any
// member may carry it and none can alter it. Members fetch the file itself
// from any member who holds it (file-want frames, by `id`), checking it
// against `root` and `sha256` as a file from a contact.
//
//   {"id": UUID, "name": string, "size": int, "sha256": hex, "root": hex, "chunk": int}
import { isHexKey } from "../hex.ts";
import { ProtocolError } from "../protocol-error.ts";
import { isUuid } from "../uuid.ts";
import { HASH_BYTES, MAX_CHUNK, MAX_WIRE_NAME, MIN_CHUNK } from "./file-frames.ts";

/** The group message kind of a file post (0 is text, 1..4 membership events). */
export const GROUP_FILE_KIND = 5;

export interface FilePost {
  id: string;
  name: string;
  size: number;
  sha256: string;
  root: string;
  chunkSize: number;
}

export function encodeFilePost(p: FilePost): string {
  const body = JSON.stringify({ id: p.id, name: p.name, size: p.size, sha256: p.sha256, root: p.root, chunk: p.chunkSize });
  decodeFilePost(body);
  return body;
}

/** Validates field by field; throws BAD_FRAME naming the first bad one. */
export function decodeFilePost(body: string): FilePost {
  let o: unknown;
  try {
    o = JSON.parse(body);
  } catch (err) {
    throw ProtocolError.badFrame("file post: the JSON does not parse", { cause: err });
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw bad("not an object");
  const f = (k: string): unknown => Object.getOwnPropertyDescriptor(o, k)?.value;
  const id = f("id");
  const name = f("name");
  const size = f("size");
  const sha256 = f("sha256");
  const root = f("root");
  const chunk = f("chunk");
  if (typeof id !== "string" || !isUuid(id)) throw bad("id is not a UUID");
  if (typeof name !== "string" || name.length === 0 || Buffer.byteLength(name) > MAX_WIRE_NAME) throw bad(`name is not 1 to ${MAX_WIRE_NAME} bytes`);
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw bad("size is not an integer >= 0");
  if (typeof sha256 !== "string" || !isHexKey(sha256, HASH_BYTES)) throw bad("sha256 is not 32 bytes of hex");
  if (typeof root !== "string" || !isHexKey(root, HASH_BYTES)) throw bad("root is not 32 bytes of hex");
  if (typeof chunk !== "number" || !Number.isInteger(chunk) || chunk < MIN_CHUNK || chunk > MAX_CHUNK || (chunk & (chunk - 1)) !== 0) throw bad("chunk is not a power of two in range");
  return { id, name, size, sha256, root, chunkSize: chunk };
}

function bad(why: string): ProtocolError {
  return ProtocolError.badFrame(`file post: ${why}`);
}
