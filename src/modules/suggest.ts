/**
 * Optimal-string-alignment distance (Damerau-Levenshtein with adjacent transpositions): `cmd.rn` is 1
 * from `cmd.run`, `tset.ping` 1 from `test.ping`.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number) => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The closest of `names` to `typed`, when it is close enough to be a typo (1 edit, 2 for names of 8+ characters). */
export function nearestName(typed: string, names: readonly string[]): string | undefined {
  const limit = typed.length >= 8 ? 2 : 1;
  let best: { name: string; distance: number } | undefined;
  for (const name of [...names].sort()) {
    const distance = editDistance(typed.toLowerCase(), name.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}
