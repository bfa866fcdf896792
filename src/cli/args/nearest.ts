// "did you mean chat?": the known word nearest to a mistyped one.

/** Edits between `a` and `b`: insert, delete, replace, or swap two neighbours (so `chta` is 1 from `chat`). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The one of `known` that `typed` most likely meant: a word it starts (`cont`
 * for contacts), or within 1 edit for short words and 2 for longer ones;
 * null when none is that close or two are equally close.
 */
export function nearest(typed: string, known: readonly string[]): string | null {
  const t = typed.toLowerCase();
  if (t.length === 0) return null;
  const prefixed = known.filter((k) => t.length >= 2 && k.startsWith(t));
  if (prefixed.length === 1) return prefixed[0]!;
  let best: string | null = null;
  let bestD = Infinity;
  let tie = false;
  for (const k of known) {
    const d = editDistance(t, k);
    if (d < bestD) [best, bestD, tie] = [k, d, false];
    else if (d === bestD) tie = true;
  }
  const limit = t.length <= 4 ? 1 : 2;
  return best !== null && bestD <= limit && !tie ? best : null;
}
