// The skeleton of every layer's error class: a `code` from the layer's own
// union, which callers branch on (syncthing's IsVersionMismatch), and a
// message that is one line a person can act on. Each layer extends it once,
// with its union and its static factories (protocol-error.ts,
// transport-error.ts, store-error.ts, reach-error.ts, relay-error.ts,
// node-error.ts), and wraps what it caught with `{ cause }`. It sits in
// protocol/, the ground floor, so every layer can build on it.

export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
