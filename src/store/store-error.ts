// The store's one error class. Callers branch on `code`: the journal tries
// UNAVAILABLE again for a while, the address book turns DUPLICATE_NAME and
// DUPLICATE_PEER into words about contacts, and the home names BAD_URL.
import { CodedError } from "../protocol/coded-error.ts";

/** UNAVAILABLE: the database failed in a way that may pass (a lost connection, a deadlock): worth trying again. */
export type StoreErrorCode = "DUPLICATE_NAME" | "DUPLICATE_PEER" | "UNAVAILABLE" | "BAD_URL" | "MIGRATION_FAILED" | "QUERY_FAILED";

export class StoreError extends CodedError<StoreErrorCode> {
  override readonly name = "StoreError";
}
