// The node's one error class, which every command sees: the node, the home
// and the checks of what people type (this room) raise it, and the control
// socket carries its code, so it sits below them all. Callers branch on
// `code`; the CLI maps input errors to exit code 2 and prints `message` as
// one line.
import { CodedError } from "../protocol/coded-error.ts";

export type NodeErrorCode =
  | "BAD_NAME"
  | "BAD_ADDRESS"
  | "BAD_PORT"
  | "BAD_PEER_ID"
  | "BAD_TEXT"
  | "BAD_DB_URL"
  | "NOT_A_CONTACT"
  | "DUPLICATE_CONTACT"
  | "ALREADY_INITIALIZED"
  | "BAD_HOME"
  | "UNSAFE_CONTROL"
  | "BAD_CONFIG"
  // A value typed for a setting (`p2pchat config set`) that it cannot take.
  | "BAD_SETTING"
  | "PORT_IN_USE"
  | "LISTEN_FAILED"
  | "DB_UNAVAILABLE"
  | "DB_ERROR"
  | "ALREADY_RUNNING"
  | "NOT_RUNNING"
  | "CONTROL_FAILED"
  | "NOT_A_REQUEST"
  | "HAS_PENDING"
  | "NOT_CANCELLABLE"
  | "BAD_INVITE"
  | "NOT_NEARBY"
  | "NOT_A_GROUP"
  | "NOT_A_MEMBER"
  | "NOT_THE_CREATOR"
  | "NO_GROUP_KEY"
  // Files (node/files/): a path that is not a readable file, an id that names no transfer (or no open one), no room on the disk.
  | "BAD_FILE"
  | "NOT_A_TRANSFER"
  | "NO_SPACE"
  // The page beyond loopback without a password (web/).
  | "NO_PASSWORD"
  // Devices (node/devices/): only an admin device (holding the identity key) adds or revokes;
  // a name or id that is no device of ours; a join line that is bad, expired or used, or a join that failed.
  | "NOT_ADMIN"
  | "NOT_A_DEVICE"
  | "BAD_DEVICE_LINE"
  | "JOIN_FAILED";

/** Codes that mean "the user typed something wrong": exit code 2. */
const INPUT_CODES: ReadonlySet<NodeErrorCode> = new Set([
  "BAD_NAME",
  "BAD_ADDRESS",
  "BAD_PORT",
  "BAD_PEER_ID",
  "BAD_TEXT",
  "BAD_DB_URL",
  "NOT_A_CONTACT",
  "DUPLICATE_CONTACT",
  "NOT_A_REQUEST",
  "HAS_PENDING",
  "NOT_CANCELLABLE",
  "BAD_INVITE",
  "BAD_DEVICE_LINE",
  "NOT_A_DEVICE",
  "NOT_NEARBY",
  "NOT_A_GROUP",
  "NOT_A_MEMBER",
  "NOT_THE_CREATOR",
  "BAD_FILE",
  "NOT_A_TRANSFER",
  "NO_PASSWORD",
  "BAD_SETTING",
]);

export class NodeError extends CodedError<NodeErrorCode> {
  override readonly name = "NodeError";

  get isInputError(): boolean {
    return INPUT_CODES.has(this.code);
  }

  static badName(name: string, why: string) {
    return new NodeError("BAD_NAME", `invalid name ${JSON.stringify(name)}: ${why}`);
  }
  static badAddress(text: string, why: string) {
    return new NodeError("BAD_ADDRESS", `invalid address ${JSON.stringify(text)}: ${why}`);
  }
  static badPort(text: string) {
    return new NodeError("BAD_PORT", `invalid port ${JSON.stringify(text)}: a port is a whole number from 1 to 65535`);
  }
  /** `didYouMean`: contacts whose names are near it (another case, or the same to the eye). */
  static notAContact(name: string, didYouMean: readonly string[] = []) {
    if (didYouMean.length > 0) {
      const which = didYouMean.length === 1 ? didYouMean[0]! : `${didYouMean.slice(0, -1).join(", ")} or ${didYouMean.at(-1)}`;
      return new NodeError("NOT_A_CONTACT", `${JSON.stringify(name)} is not in your contacts: did you mean ${which}?`);
    }
    return new NodeError(
      "NOT_A_CONTACT",
      `${JSON.stringify(name)} is not in your contacts (list them with \`p2pchat contacts\`, add one with \`p2pchat contacts add NAME HOST:PORT\`)`,
    );
  }
  static notAGroup(name: string) {
    return new NodeError("NOT_A_GROUP", `${JSON.stringify(name)} is not one of your groups (list them with \`p2pchat group list\`)`);
  }
  /** The page asked to listen beyond this machine with no password to keep others out. */
  static webNeedsPassword(host: string) {
    return new NodeError(
      "NO_PASSWORD",
      `not serving the page on ${host}: anyone who reaches that address could read and send your messages. ` +
        `Set a password first (p2pchat web --password), or keep the page on 127.0.0.1`,
    );
  }
  static duplicateContact(name: string) {
    return new NodeError("DUPLICATE_CONTACT", `a contact named ${JSON.stringify(name)} already exists`);
  }
}
