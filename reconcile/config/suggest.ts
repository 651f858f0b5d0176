/**
 * Did-you-mean for misspelt keys: the closest valid key within edit distance 2 (case-insensitive), or
 * a valid key that starts with what was written (or the other way round). Undefined when nothing is close.
 */
export function suggestKey(written: string, valid: readonly string[]): string | undefined {
  const w = written.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const key of valid) {
    const distance = editDistance(w, key.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { key, distance };
  }
  if (best !== undefined) return best.key;
  if (w.length < 3) return undefined;
  return valid.find((key) => key.toLowerCase().startsWith(w) || w.startsWith(key.toLowerCase()));
}

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
