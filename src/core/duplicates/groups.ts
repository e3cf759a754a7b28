/**
 * Duplicate groups: connected components of "is a copy of" pairs (exact after normalisation, or
 * near: Jaccard or cosine above a threshold). Chains are one group (a ~ b, b ~ c puts a, b, c
 * together even when a and c are further apart): every member is a copy of some other member.
 */

export class UnionFind {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(i: number): number {
    const p = this.parent;
    while (p[i] !== i) { p[i] = p[p[i]]; i = p[i]; }
    return i;
  }
  /** Joins the sets of a and b; the smaller row becomes the root (the group's first member). */
  union(a: number, b: number): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return false;
    if (ra < rb) this.parent[rb] = ra; else this.parent[ra] = rb;
    return true;
  }
}

export type DuplicateKind = 0 | 1 | 2;
/** No copy; an exact copy (after normalisation) of another member; a near copy only. */
export const NOT_DUPLICATE = 0, EXACT = 1, NEAR = 2;

export interface DuplicateGroups {
  /** Group of each row (0-based, numbered by first member in file order); −1 = the row has no copy. */
  group: Int32Array;
  /** The group's first row in file order; −1 for rows with no copy. */
  first: Int32Array;
  /** EXACT when the row has an exact copy in its group, NEAR when its copies are near ones only. */
  kind: Uint8Array;
  /** Number of groups. */
  count: number;
  /** Members of each group, in file order (row indices). */
  members: (g: number) => Int32Array;
}

/** Groups from a union-find over all rows and which rows have an exact copy. */
export function groupsOf(uf: UnionFind, exact: Uint8Array): DuplicateGroups {
  const n = uf.parent.length;
  const size = new Int32Array(n);
  for (let i = 0; i < n; i++) size[uf.find(i)]++;
  const group = new Int32Array(n).fill(-1);
  const first = new Int32Array(n).fill(-1);
  const kind = new Uint8Array(n);
  const idOfRoot = new Int32Array(n).fill(-1);
  let count = 0;
  // Roots are the smallest row of their set, so a file-order scan numbers groups by first member.
  for (let i = 0; i < n; i++) {
    const r = uf.find(i);
    if (size[r] < 2) continue;
    if (idOfRoot[r] < 0) idOfRoot[r] = count++;
    group[i] = idOfRoot[r];
    first[i] = r;
    kind[i] = exact[i] ? EXACT : NEAR;
  }
  const start = new Int32Array(count + 1);
  for (let i = 0; i < n; i++) if (group[i] >= 0) start[group[i] + 1]++;
  for (let g = 0; g < count; g++) start[g + 1] += start[g];
  const rows = new Int32Array(start[count]);
  const fill = start.slice(0, count);
  for (let i = 0; i < n; i++) if (group[i] >= 0) rows[fill[group[i]]++] = i;
  return { group, first, kind, count, members: (g) => rows.subarray(start[g], start[g + 1]) };
}

export interface Conflict {
  group: number;
  /** Labeled members per class index (only classes present). */
  counts: Map<number, number>;
  /** Members of the group. */
  size: number;
  /** Whether every member is an exact copy (the reason says "identical" rather than "near-identical"). */
  exact: boolean;
  /** The group's suggested label (class index), −1 when no class wins. */
  suggested: number;
}

/**
 * Groups whose labeled members carry more than one label. The suggested label is the class with the
 * most weight, each member voting for its given label with weight `weight(row, class)` — the model's
 * out-of-fold probability of that label when there is a model (so a majority of copies the model
 * doubts can lose to a minority it believes), 1 without one. A tie suggests nothing.
 */
export function findConflicts(groups: DuplicateGroups, labels: Int32Array, weight: (row: number, k: number) => number = () => 1): Conflict[] {
  const out: Conflict[] = [];
  for (let g = 0; g < groups.count; g++) {
    const m = groups.members(g);
    const counts = new Map<number, number>();
    const votes = new Map<number, number>();
    let exact = true;
    for (const r of m) {
      if (groups.kind[r] !== EXACT) exact = false;
      const y = labels[r];
      if (y < 0) continue;
      counts.set(y, (counts.get(y) ?? 0) + 1);
      votes.set(y, (votes.get(y) ?? 0) + weight(r, y));
    }
    if (counts.size < 2) continue;
    let best = -1, bestV = -Infinity, tie = false;
    for (const [k, v] of [...votes].sort((a, b) => a[0] - b[0])) {
      if (v > bestV + 1e-9) { best = k; bestV = v; tie = false; } else if (Math.abs(v - bestV) <= 1e-9) tie = true;
    }
    out.push({ group: g, counts, size: m.length, exact, suggested: tie ? -1 : best });
  }
  return out;
}

/** e.g. "3 identical texts: business ×1, sports ×2" (classes in class order). */
export function conflictReason(c: Conflict, classes: readonly string[], noun = 'texts'): string {
  const parts = [...c.counts].sort((a, b) => a[0] - b[0]).map(([k, n]) => `${classes[k]} ×${n}`);
  return `${c.size} ${c.exact ? 'identical' : 'near-identical'} ${noun}: ${parts.join(', ')}`;
}
