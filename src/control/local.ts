// The NodeApi of a node running inside this process (`serve`, or `chat` and
// `send` hosting their own): the operations of the table, run here.
import type { ChatNode } from "../node/node.ts";
import type { NodeApi, NodeEvent } from "./api.ts";
import { OpMethods } from "./methods.ts";
import { namedArgs } from "./op.ts";
import { OPS, runOp, type OpName } from "./ops.ts";

export class LocalApi extends OpMethods implements NodeApi {
  readonly remote = false;

  constructor(
    readonly node: ChatNode,
    private readonly opts: { ownsNode: boolean },
  ) {
    super();
  }

  protected invoke(name: OpName, values: readonly unknown[]): Promise<unknown> {
    return runOp(this.node, name, namedArgs(OPS[name], values));
  }

  async subscribe(listener: (event: NodeEvent) => void): Promise<() => void> {
    return this.node.on(listener);
  }

  async close(): Promise<void> {
    if (this.opts.ownsNode) await this.node.stop();
  }
}
