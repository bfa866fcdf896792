// Telling the user a message came while they look elsewhere: the terminal
// bell, and a desktop notification where the terminal shows one (OSC 9:
// iTerm2, kitty, WezTerm, Windows Terminal, Ghostty; OSC 777: foot, urxvt,
// VTE terminals such as GNOME Terminal). What a peer wrote goes into it as
// plain text: no control character of theirs reaches the terminal.

export const BELL = "\x07";

/** Longest notification text, in characters. */
const MAX_TEXT = 160;

/** `text` without control characters (an escape or bell in it would end the sequence or act), cut to `max`. */
export function plainText(text: string, max = MAX_TEXT): string {
  const flat = text.replace(/[\p{Cc}\u202a-\u202e\u2066-\u2069]+/gu, " ").trim();
  const chars = [...flat];
  return chars.length > max ? chars.slice(0, max - 1).join("") + "…" : flat;
}

/** Which notification sequence the terminal in `env` understands. */
export function notificationKind(env: Record<string, string | undefined> = process.env): "osc9" | "osc777" {
  const term = env.TERM ?? "";
  if (env.VTE_VERSION || /^(foot|rxvt)/.test(term)) return "osc777";
  return "osc9";
}

/** The bytes that ask the terminal for a desktop notification (through tmux when inside it). */
export function notification(title: string, body: string, env: Record<string, string | undefined> = process.env): string {
  const t = plainText(title, 60).replace(/;/g, ",");
  const b = plainText(body);
  const seq = notificationKind(env) === "osc777" ? `\x1b]777;notify;${t};${b}\x07` : `\x1b]9;${t}: ${b}\x07`;
  // tmux passes a sequence on to the terminal only wrapped (and with allow-passthrough on).
  return env.TMUX ? `\x1bPtmux;${seq.replace(/\x1b/g, "\x1b\x1b")}\x1b\\` : seq;
}
