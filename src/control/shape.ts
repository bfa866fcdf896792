// What a value from the control socket must look like, written once and
// read two ways: at run time, `problem(v)` says why untyped JSON is not one
// (a request's arguments on the serve's side, a reply on the command's);
// at compile time, `Infer<typeof shape>` is the type it stands for, so an
// operation's argument types are its shapes and never drift from its checks.

export interface Shape<T> {
  /** What it is, for errors: "a string", "an array". */
  readonly what: string;
  /** Why `v` is not one, or null when it is. */
  readonly problem: (v: unknown) => string | null;
  /** Present only in types: what a value that passes is. */
  readonly infer?: T;
}

export type Infer<S> = S extends Shape<infer T> ? T : never;

const shape = <T>(what: string, is: (v: unknown) => boolean): Shape<T> => ({ what, problem: (v) => (is(v) ? null : `expected ${what}`) });

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export const str: Shape<string> = shape("a string", (v) => typeof v === "string");
export const num: Shape<number> = shape("a number", (v) => typeof v === "number" && Number.isFinite(v));
export const bool: Shape<boolean> = shape("a boolean", (v) => typeof v === "boolean");
/** Any array; its items are not looked at (a reply's parts that nothing here relies on). */
export const anyArray: Shape<readonly unknown[]> = shape("an array", Array.isArray);
/** No result: an operation that only acts. */
export const nothing: Shape<void> = { what: "no result", problem: (v) => (v === null || v === undefined ? null : "expected no result") };

export const literal = <const T extends readonly (string | number | boolean)[]>(...values: T): Shape<T[number]> =>
  shape(values.map((v) => JSON.stringify(v)).join(" or "), (v) => values.includes(v as T[number]));

/** May be left out (undefined; JSON drops it). */
export const optional = <T>(s: Shape<T>): Shape<T | undefined> => ({ what: s.what, problem: (v) => (v === undefined ? null : s.problem(v)) });

export const nullable = <T>(s: Shape<T>): Shape<T | null> => ({ what: `${s.what} or null`, problem: (v) => (v === null ? null : s.problem(v)) });

export const arrayOf = <T>(item: Shape<T>): Shape<readonly T[]> => ({
  what: "an array",
  problem(v) {
    if (!Array.isArray(v)) return "expected an array";
    for (const [i, x] of v.entries()) {
      const p = item.problem(x);
      if (p) return `item ${i}: ${p}`;
    }
    return null;
  },
});

/** An object whose values are all `value`s, keyed by any string. */
export const recordOf = <T>(value: Shape<T>): Shape<Record<string, T>> => ({
  what: "an object",
  problem(v) {
    if (!isRecord(v)) return "expected an object";
    for (const [key, x] of Object.entries(v)) {
      const p = value.problem(x);
      if (p) return `"${key}": ${p}`;
    }
    return null;
  },
});

type Fields = Record<string, Shape<unknown>>;
type OptionalKeys<F extends Fields> = { [K in keyof F]: undefined extends Infer<F[K]> ? K : never }[keyof F];
type ObjectOf<F extends Fields> = { [K in Exclude<keyof F, OptionalKeys<F>>]: Infer<F[K]> } & { [K in OptionalKeys<F>]?: Infer<F[K]> };
type Flat<T> = { [K in keyof T]: T[K] } & {};

/** An object with these fields (others are let through: a newer peer may add some). */
export const object = <F extends Fields>(fields: F): Shape<Flat<ObjectOf<F>>> => ({
  what: "an object",
  problem(v) {
    if (!isRecord(v)) return "expected an object";
    for (const [key, s] of Object.entries(fields)) {
      const p = fieldProblem(key, s, v[key]);
      if (p) return p;
    }
    return null;
  },
});

/** Why field `key` holding `v` is not `s`: "\"id\" is not a string", or the inner problem under its name. */
export function fieldProblem(key: string, s: Shape<unknown>, v: unknown): string | null {
  const p = s.problem(v);
  if (!p) return null;
  return p === `expected ${s.what}` ? `"${key}" is not ${s.what}` : `"${key}": ${p}`;
}
