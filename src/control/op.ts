// One control operation, defined once: its arguments (names, order and
// shapes), the shape a reply must have to be believed, and how it runs
// against a node. The serve checks arguments from the socket against the
// shapes and runs it; the client and LocalApi get their methods from it; a
// web API can route to the same entries (name, argument check, reply shape).
import { NodeError } from "../domain/node-error.ts";
import type { ChatNode } from "../node/node.ts";
import { fieldProblem, isRecord, type Infer, type Shape } from "./shape.ts";

/** One argument: its name on the wire, and what it must be. */
export type Param = readonly [name: string, shape: Shape<unknown>];

/** The arguments as `run` gets them: an object, by name. */
export type ArgsOf<P extends readonly Param[]> = { [E in P[number] as E[0]]: Infer<E[1]> };

/** The arguments as a method takes them, in order; trailing optional ones may be left out. */
export type Positional<P extends readonly Param[]> = P extends readonly [infer H extends Param, ...infer Rest extends readonly Param[]]
  ? undefined extends Infer<H[1]>
    ? [Infer<H[1]>?, ...Positional<Rest>]
    : [Infer<H[1]>, ...Positional<Rest>]
  : [];

export interface Op<P extends readonly Param[] = readonly Param[], R = unknown, C = unknown> {
  /** In the order the method takes them; on the wire an object of them by name. */
  readonly args: P;
  /** What a reply must look like before a command believes it (a looser view of R is fine). */
  readonly reply: Shape<C>;
  // A method, not a property: a table of them is read as `Op` (its arguments compared loosely).
  run(node: ChatNode, args: ArgsOf<P>): Promise<R> | R;
}

/** The method an operation becomes on NodeApi. */
export type MethodOf<O> = O extends Op<infer P, infer R> ? (...args: Positional<P>) => Promise<Awaited<R>> : never;

/** Defines an operation; `opTable` checks that its reply shape accepts what `run` returns. */
export function op<const P extends readonly Param[], R, C>(def: { args: P; reply: Shape<C>; run: (node: ChatNode, args: ArgsOf<P>) => Promise<R> | R }): Op<P, R, C> {
  return def;
}

/** Each operation whose reply shape asks for something its `run` does not return, named. */
type Misfits<T> = {
  [K in keyof T]: T[K] extends Op<readonly Param[], infer R, infer C> ? ([Awaited<R>] extends [C] ? unknown : `${K & string}: its reply shape asks for what run does not return`) : never;
};

/**
 * The table of operations, as given. It does not compile while a reply shape
 * asks for a field (or a type) that `run` does not return: the check a
 * command makes of a reply cannot drift from what the node answers.
 */
export function opTable<const T extends Record<string, Op<readonly Param[], unknown, unknown>>>(ops: T & Misfits<T>): T {
  return ops;
}

/** A method's arguments as the wire carries them (none: no `args` at all). */
export function wireArgs(o: Op, values: readonly unknown[]): Record<string, unknown> | undefined {
  if (o.args.length === 0) return undefined;
  return Object.fromEntries(o.args.map(([name], i) => [name, values[i]]));
}

/** The arguments `run` takes, from a method's positional values (in this process: already typed). */
export function namedArgs(o: Op, values: readonly unknown[]): Record<string, unknown> {
  return wireArgs(o, values) ?? {};
}

/** A request's arguments, checked: untyped JSON from the socket becomes `run`'s arguments, or a clear refusal. */
export function parseArgs(name: string, o: Op, raw: unknown): Record<string, unknown> {
  if (raw !== undefined && !isRecord(raw)) throw new NodeError("CONTROL_FAILED", `bad request "${name}": its arguments are not an object`);
  const given = raw ?? {};
  const args: Record<string, unknown> = {};
  for (const [key, shape] of o.args) {
    const p = fieldProblem(key, shape, given[key]);
    if (p) throw new NodeError("CONTROL_FAILED", `bad request "${name}": ${p}`);
    args[key] = given[key];
  }
  return args;
}
