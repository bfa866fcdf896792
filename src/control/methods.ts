// ControlClient and LocalApi are the same methods over two carriers: each
// operation of the table becomes a method that hands its arguments to
// `invoke`, which sends them to a serve or runs them here.
import type { OpsApi } from "./api.ts";
import { OPS, type OpName } from "./ops.ts";

// The class below gets OpsApi's methods at run time (its static block); this tells the compiler.
export interface OpMethods extends OpsApi {}

export abstract class OpMethods {
  /** Carries operation `name`, called with `values` in its argument order. */
  protected abstract invoke(name: OpName, values: readonly unknown[]): Promise<unknown>;

  static {
    for (const name of Object.keys(OPS) as OpName[]) {
      Object.defineProperty(this.prototype, name, {
        value(this: OpMethods, ...values: unknown[]) {
          return this.invoke(name, values);
        },
        writable: true,
        configurable: true,
      });
    }
  }
}
