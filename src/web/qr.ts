// An invite as a QR code for the page: the modules, a row a string of 0s
// and 1s, which the page draws on a canvas. The encoder is the one
// qrcode-terminal draws `invite --qr` with, so no second QR library.
import QRCode from "qrcode-terminal/vendor/QRCode/index.js";
import levels from "qrcode-terminal/vendor/QRCode/QRErrorCorrectLevel.js";
import { NodeError } from "../domain/node-error.ts";

/** A version 40 code at level M holds 2331 bytes; an invite is far shorter. */
export const MAX_QR_TEXT = 2000;

export interface QrMatrix {
  size: number;
  /** `size` strings of `size` characters: "1" dark, "0" light. */
  rows: string[];
}

export function qrMatrix(text: string): QrMatrix {
  if (text.length === 0 || text.length > MAX_QR_TEXT) throw new NodeError("BAD_INVITE", `a QR code holds 1 to ${MAX_QR_TEXT} characters; this text has ${text.length}`);
  const qr = new QRCode(-1, levels.M);
  qr.addData(text);
  qr.make();
  const size = qr.getModuleCount();
  const rows: string[] = [];
  for (let r = 0; r < size; r++) {
    let row = "";
    for (let c = 0; c < size; c++) row += qr.isDark(r, c) ? "1" : "0";
    rows.push(row);
  }
  return { size, rows };
}
