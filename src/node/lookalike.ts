// Names that look alike on a screen. (Placeholder until the full skeleton
// table lands: case and width folding only.)
export function nameSkeleton(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

export function looksLike(a: string, b: string): boolean {
  return a !== b && nameSkeleton(a) === nameSkeleton(b);
}
