/**
 * ClusterShell's node-set folding (`nodeset -f`, what `clush -b` prints): ids that differ only in
 * their last number fold into one range, `node1 node2 node3 node7` → `node[1-3,7]`. Zero-padding is
 * kept (`node[01-10]`); numbers of different widths with a leading zero never share a range.
 */

interface Numbered {
  id: string;
  prefix: string;
  digits: string;
  suffix: string;
}

// The last run of digits; `[`, `]` or `,` in an id would make the folded text ambiguous, so such ids stay whole.
const LAST_NUMBER = /^(.*?)(\d+)(\D*)$/s;
const AMBIGUOUS = /[[\],]/;

function numbered(id: string): Numbered | undefined {
  if (AMBIGUOUS.test(id)) return undefined;
  const match = LAST_NUMBER.exec(id);
  if (match === null) return undefined;
  const [, prefix = '', digits = '', suffix = ''] = match;
  return { id, prefix, digits, suffix };
}

/** Zero-padded numbers keep their width; an unpadded number joins the padded set of its own width, if there is one. */
function width(digits: string, paddedWidths: ReadonlySet<number>): number {
  if (digits.length > 1 && digits.startsWith('0')) return digits.length;
  return paddedWidths.has(digits.length) ? digits.length : 0;
}

/** `1,2,3,7` → `1-3,7`, each number printed at `pad` digits. */
function foldNumbers(values: readonly bigint[], pad: number): string {
  const sorted = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const show = (n: bigint) => n.toString().padStart(pad, '0');
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    const start = sorted[i] as bigint;
    let end = start;
    while (i + 1 < sorted.length && sorted[i + 1] === end + 1n) end = sorted[++i] as bigint;
    parts.push(start === end ? show(start) : `${show(start)}-${show(end)}`);
    i++;
  }
  return parts.join(',');
}

/** Folds host ids into ClusterShell's range syntax, sorted, joined with commas: `db[1-2],localhost,web[01-10]`. */
export function foldHosts(ids: Iterable<string>): string {
  const whole: string[] = [];
  const sets = new Map<string, { prefix: string; suffix: string; items: Numbered[] }>();
  for (const id of new Set(ids)) {
    const item = numbered(id);
    if (item === undefined) {
      whole.push(id);
      continue;
    }
    const key = JSON.stringify([item.prefix, item.suffix]);
    const set = sets.get(key) ?? { prefix: item.prefix, suffix: item.suffix, items: [] };
    set.items.push(item);
    sets.set(key, set);
  }
  const folded: Array<{ sortKey: string; text: string }> = whole.map((id) => ({ sortKey: id, text: id }));
  for (const { prefix, suffix, items } of sets.values()) {
    const padded = new Set(items.filter((i) => i.digits.length > 1 && i.digits.startsWith('0')).map((i) => i.digits.length));
    const byWidth = new Map<number, Numbered[]>();
    for (const item of items) {
      const w = width(item.digits, padded);
      const group = byWidth.get(w);
      if (group === undefined) byWidth.set(w, [item]);
      else group.push(item);
    }
    for (const [pad, group] of [...byWidth].sort(([a], [b]) => a - b)) {
      const first = group[0] as Numbered;
      const text =
        group.length === 1 ? first.id : `${prefix}[${foldNumbers(group.map((i) => BigInt(i.digits)), pad)}]${suffix}`;
      folded.push({ sortKey: `${prefix}\u0000${suffix}\u0000${pad}`, text });
    }
  }
  return folded
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
    .map((f) => f.text)
    .join(',');
}
