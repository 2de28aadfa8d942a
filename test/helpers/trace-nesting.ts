/**
 * The rule Perfetto's trace processor applies to complete ("X") slices: on one track (pid, tid) two
 * slices either nest (one lies inside the other) or do not overlap at all. Written here because the
 * processor itself (PyPI's `perfetto` package) cannot be installed in this environment.
 */
export interface Slice {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
}

export interface NestingViolation {
  track: string;
  outer: Slice;
  inner: Slice;
}

/** Every pair of slices on one track that partly overlap (the first found for each slice). */
export function nestingViolations(events: readonly Slice[]): NestingViolation[] {
  const tracks = new Map<string, Slice[]>();
  for (const e of events) {
    if (e.ph !== "X") continue;
    const key = `${e.pid}/${e.tid}`;
    const list = tracks.get(key) ?? [];
    list.push(e);
    tracks.set(key, list);
  }
  const out: NestingViolation[] = [];
  for (const [track, slices] of tracks) {
    // Outer slices first: by start, then the longer one.
    slices.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    const open: Slice[] = [];
    for (const s of slices) {
      const end = s.ts + (s.dur ?? 0);
      while (open.length > 0 && open[open.length - 1].ts + (open[open.length - 1].dur ?? 0) <= s.ts) open.pop();
      const outer = open[open.length - 1];
      if (outer !== undefined && end > outer.ts + (outer.dur ?? 0)) {
        out.push({ track, outer, inner: s });
        continue;
      }
      open.push(s);
    }
  }
  return out;
}
