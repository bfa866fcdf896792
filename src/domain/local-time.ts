// Times as p2pchat writes them for people: the local clock, ISO order and
// 24 hours (`2026-12-06 13:41`), the same on every machine whatever its
// locale — not `12/6/2026, 1:41:12 PM` in one place and ISO in the next.

const pad = (n: number) => String(n).padStart(2, "0");

/** `YYYY-MM-DD HH:MM`, or with `seconds` `YYYY-MM-DD HH:MM:SS`, in local time. */
export function formatLocalDateTime(ms: number, opts: { seconds?: boolean } = {}): string {
  const d = new Date(ms);
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return opts.seconds ? `${base}:${pad(d.getSeconds())}` : base;
}
