/**
 * The filter of a search (rule 4 of search-text.ts: connections, roles,
 * bots or humans, active or deactivated, times, groups, a profile field) as one bitset over the index's
 * slots, built by ANDing and ORing whole words of the filter bitsets.
 *
 * Node only; never imports `electron` (plain TypeScript; no I/O).
 */
import type { SearchQuery } from '@shared/model';
import {
  fieldMatches,
  fieldTestOf,
  groupsByConnection,
  inAnyGroup,
  type FilterKeys,
} from './filter-keys';
import { ROLE_INDEX, type SlotColumns } from './slot-columns';

/** The parts of a search that filter rows. */
export type FilterSpec = Pick<
  SearchQuery,
  | 'connectionIds'
  | 'roles'
  | 'accounts'
  | 'status'
  | 'activity'
  | 'activeBefore'
  | 'joinedAfter'
  | 'joinedBefore'
  | 'groups'
  | 'profileField'
>;

/** Clears in `out` the slots whose time (NaN: none) fails `keep`. */
function keepTimes(out: Uint32Array, times: Float64Array, keep: (t: number) => boolean): void {
  for (let i = 0; i < out.length; i++) {
    let w = out[i] as number;
    while (w !== 0) {
      const low = w & -w;
      const s = i * 32 + (31 - Math.clz32(low));
      if (!keep(times[s] as number)) out[i] = (out[i] as number) & ~low;
      w ^= low;
    }
  }
}

/** Clears in `out` the slots that fail `keep` (once per spec, over the slots still set). */
function keepSlots(out: Uint32Array, keep: (slot: number) => boolean): void {
  for (let i = 0; i < out.length; i++) {
    let w = out[i] as number;
    while (w !== 0) {
      const low = w & -w;
      if (!keep(i * 32 + (31 - Math.clz32(low)))) out[i] = (out[i] as number) & ~low;
      w ^= low;
    }
  }
}

/** The group and profile-field filters (filter-keys.ts), slot by slot over `out`. */
function keepKeys(out: Uint32Array, cols: SlotColumns, spec: FilterSpec): void {
  const { connIndex, connOf, filterKeys } = cols;
  if (spec.groups.length > 0) {
    // By connection index: a slot's connection is one integer compare away.
    const wanted = new Map<number, Set<string>>();
    for (const [id, set] of groupsByConnection(spec)) {
      const i = connIndex.get(id);
      if (i !== undefined) wanted.set(i, set);
    }
    keepSlots(out, (s) => {
      const set = wanted.get(connOf[s] as number);
      if (set === undefined) return false;
      return inAnyGroup(filterKeys[s] as FilterKeys, set);
    });
  }
  const test = fieldTestOf(spec);
  if (test !== null) {
    const conn = connIndex.get(test.connectionId) ?? -1;
    keepSlots(
      out,
      (s) =>
        connOf[s] === conn && fieldMatches(test.connectionId, filterKeys[s] as FilterKeys, test),
    );
  }
}

/** The last group and field bitset of each index, for which filter and which contents. */
const keyBitsCache = new WeakMap<SlotColumns, { key: string; writes: number; bits: Uint32Array }>();

/**
 * The live slots passing the group and field filters: computed once per
 * filter and kept until the index changes, so typing with these filters set
 * costs one AND of the words per keystroke, as the other filters do.
 */
function keyBits(cols: SlotColumns, spec: FilterSpec): Uint32Array {
  const key = JSON.stringify([spec.groups, spec.profileField]);
  const hit = keyBitsCache.get(cols);
  if (hit && hit.key === key && hit.writes === cols.writes && hit.bits.length === cols.words) {
    return hit.bits;
  }
  const bits = new Uint32Array(cols.words);
  bits.set(cols.live);
  keepKeys(bits, cols, spec);
  keyBitsCache.set(cols, { key, writes: cols.writes, bits });
  return bits;
}

/** Keeps in `out` the slots that are in at least one of `sets`. */
function orInto(out: Uint32Array, sets: Uint32Array[], words: number): void {
  for (let i = 0; i < words; i++) {
    let w = 0;
    for (const s of sets) w |= s[i] as number;
    out[i] = (out[i] as number) & w;
  }
}

/** The live slots that pass the filter of rule 4, as a fresh bitset a query may narrow in place. */
export function filterBits(cols: SlotColumns, spec: FilterSpec): Uint32Array {
  const { words, live, bot, deactivated, gone, byConn, byRole, connIndex } = cols;
  const out = new Uint32Array(words);
  out.set(live);
  if (spec.connectionIds.length > 0) {
    const sets: Uint32Array[] = [];
    for (const id of new Set(spec.connectionIds)) {
      const i = connIndex.get(id);
      if (i !== undefined) sets.push(byConn[i] as Uint32Array);
    }
    orInto(out, sets, words);
  }
  if (spec.roles.length > 0) {
    const sets: Uint32Array[] = [];
    for (const r of new Set(spec.roles)) {
      const i = ROLE_INDEX.get(r);
      if (i !== undefined) sets.push(byRole[i] as Uint32Array);
    }
    orInto(out, sets, words);
  }
  if (spec.accounts !== 'all') {
    const wantBot = spec.accounts === 'bots';
    for (let i = 0; i < words; i++) {
      const b = bot[i] as number;
      out[i] = (out[i] as number) & (wantBot ? b : ~b);
    }
  }
  if (spec.status !== 'all') {
    const wantInactive = spec.status === 'deactivated';
    for (let i = 0; i < words; i++) {
      const inactive = (deactivated[i] as number) | (gone[i] as number);
      out[i] = (out[i] as number) & (wantInactive ? inactive : ~inactive);
    }
  }
  if (spec.activity === 'never') keepTimes(out, cols.lastActiveOf, (t) => Number.isNaN(t));
  if (spec.activity === 'inactiveSince') {
    const before = spec.activeBefore;
    keepTimes(out, cols.lastActiveOf, (t) => t < before); // NaN < x is false.
  }
  const { joinedAfter, joinedBefore } = spec;
  if (joinedAfter !== null) keepTimes(out, cols.joinedOf, (t) => t >= joinedAfter);
  if (joinedBefore !== null) keepTimes(out, cols.joinedOf, (t) => t < joinedBefore);
  if (spec.groups.length > 0 || spec.profileField !== null) {
    const keys = keyBits(cols, spec);
    for (let i = 0; i < words; i++) out[i] = (out[i] as number) & (keys[i] as number);
  }
  return out;
}
