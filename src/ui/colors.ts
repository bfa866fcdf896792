// Colour only on a terminal, never with NO_COLOR or TERM=dumb (FORCE_COLOR forces it).
import { createColors } from "picocolors";

function wanted(stream: NodeJS.WriteStream): boolean {
  const env = process.env;
  if ("NO_COLOR" in env && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== "0") return true;
  return Boolean(stream.isTTY) && env.TERM !== "dumb";
}

export const stdoutColor = wanted(process.stdout);
export const colors = createColors(stdoutColor);
export const errColors = createColors(wanted(process.stderr));

/** Removes colour escapes, for text made by code that colours unconditionally. */
export function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, "");
}
