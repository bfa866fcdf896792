// A browser notification for a message that arrives while the page is not
// looked at (another tab, a minimised window), once the user allowed them
// (asked only when they click "Notify me": never on its own).
import { shown } from "./text.ts";

export const canNotify = (): boolean => typeof Notification !== "undefined";

/** True while notifications could be turned on with a click. */
export const mayAsk = (): boolean => canNotify() && Notification.permission === "default";

export async function askToNotify(): Promise<boolean> {
  if (!canNotify()) return false;
  return (await Notification.requestPermission()) === "granted";
}

export function notify(from: string, text: string, onClick: () => void): void {
  if (!canNotify() || Notification.permission !== "granted" || !document.hidden) return;
  // A notification shows text only; `tag` keeps one per conversation, the newest.
  const n = new Notification(shown(from), { body: shown(text).slice(0, 200), tag: from });
  n.onclick = () => {
    window.focus();
    onClick();
    n.close();
  };
}
