// The original program's `time` column: local time as text.

/** The original program's `time` text: local time, `YYYY/MM/DD HH:MM:SS`. */
export function localTimeText(ms: number): string {
  // A batch stamps thousands of rows within one second: format each second once.
  const second = Math.floor(ms / 1000);
  if (second === lastSecond) return lastText;
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  lastText = `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  lastSecond = second;
  return lastText;
}
let lastSecond = Number.NaN;
let lastText = "";
