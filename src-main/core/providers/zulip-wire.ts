/**
 * Zulip's smaller wire readers: a user's role (number or legacy flags),
 * presence from a legacy presence object, and groups from a `/user_groups`
 * answer, read in steps so a large organization does not hold the event loop.
 *
 * Node only; never imports `electron`.
 */
import { dictionary } from '@shared/dictionary';
import { isZulipUserId } from '@shared/server-url';
import type { Presence, ZulipRole } from '@shared/model';
import { capText } from '@shared/text-caps';
import { yieldToEventLoop } from '../event-loop';
import { field, int, isObject, nonEmpty, num, type JsonObject } from './json';
import type { ZulipContext } from './types';

/** The wire's role numbers, so the mapping can tell a known code from one to keep raw. */
export const ZULIP_ROLES: Record<number, ZulipRole> = {
  100: 'owner',
  200: 'administrator',
  300: 'moderator',
  400: 'member',
  600: 'guest',
};

/**
 * Longest stretch of CPU work (deduplicating, normalizing, reading groups)
 * between two yields of a directory fetch, so Electron's main process keeps
 * turning.
 */
export const SLICE_MS = 8;

/** A user's role from `role`, or from the legacy `is_*` flags of older servers. */
export function zulipRoleOf(raw: JsonObject): ZulipRole {
  const code = int(field(raw, 'role'));
  if (code !== null && ZULIP_ROLES[code]) return ZULIP_ROLES[code];
  if (field(raw, 'is_owner') === true) return 'owner';
  if (field(raw, 'is_admin') === true) return 'administrator';
  if (field(raw, 'is_guest') === true) return 'guest';
  return 'member';
}

/** Presence from a legacy presence object (`{aggregated: {status, timestamp}, ...}`). */
export function zulipPresenceOf(raw: unknown): Presence | null {
  if (!isObject(raw)) return null;
  const aggregated = field(raw, 'aggregated');
  const source = isObject(aggregated)
    ? aggregated
    : isObject(field(raw, 'website'))
      ? (field(raw, 'website') as JsonObject)
      : null;
  if (!source) return null;
  const seconds = num(field(source, 'timestamp'));
  if (seconds === null || seconds <= 0) return null;
  return { lastActiveAt: Math.round(seconds * 1000), idle: field(source, 'status') === 'idle' };
}

/** What `zulipGroupsOf` builds, a step at a time. */
interface GroupsReader {
  /** Works until `until` (a `performance.now()` time); true once done. */
  step(until: number): boolean;
  result(): Pick<ZulipContext, 'groupNames' | 'groupIdsByUser'>;
}

/**
 * Reads a `/user_groups` answer in steps: a large organization's groups
 * list 100 000 users several times over, too much for one turn of the
 * event loop when a sync runs on Electron's main process.
 */
function groupsReader(raw: unknown): GroupsReader {
  const list = isObject(raw) ? field(raw, 'user_groups') : undefined;
  const valid = Array.isArray(list);
  const groups: unknown[] = Array.isArray(list) ? list : [];
  const groupNames = dictionary<string>();
  const groupIdsByUser = dictionary<string[]>();
  let next = 0;
  let members: unknown[] | null = null;
  let member = 0;
  let gid = '';
  let lists: string[][] | null = null;
  let sortedUpTo = 0;
  let rank: Map<string, number> | null = null;
  return {
    step(until) {
      let work = 0;
      const due = (): boolean => (++work & 255) === 0 && performance.now() >= until;
      while (next < groups.length || members !== null) {
        if (members !== null) {
          while (member < members.length) {
            const uid = members[member++];
            if (isZulipUserId(uid)) (groupIdsByUser[String(uid)] ??= []).push(gid);
            if (due()) return false;
          }
          members = null;
          continue;
        }
        const g = groups[next++];
        if (!isObject(g)) continue;
        const id = int(field(g, 'id'));
        const name = nonEmpty(field(g, 'name'));
        if (id === null || name === null) continue;
        if (field(g, 'is_system_group') === true || name.startsWith('role:')) continue;
        if (field(g, 'deactivated') === true) continue;
        gid = String(id);
        groupNames[gid] = capText(name, 'label');
        const listed = field(g, 'members');
        members = Array.isArray(listed) ? listed : null;
        member = 0;
        if (due()) return false;
      }
      rank ??= new Map(
        Object.keys(groupNames)
          .sort(
            (a, b) =>
              (groupNames[a] ?? '').localeCompare(groupNames[b] ?? '') || Number(a) - Number(b),
          )
          .map((id, i) => [id, i]),
      );
      lists ??= Object.values(groupIdsByUser);
      const order = rank;
      while (sortedUpTo < lists.length) {
        (lists[sortedUpTo++] as string[]).sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
        if (due()) return false;
      }
      return true;
    },
    result() {
      return valid ? { groupNames, groupIdsByUser } : { groupNames: null, groupIdsByUser: null };
    },
  };
}

/** Groups from a `/user_groups` answer: names (system and deactivated left out) and members. */
export function zulipGroupsOf(raw: unknown): Pick<ZulipContext, 'groupNames' | 'groupIdsByUser'> {
  const reader = groupsReader(raw);
  reader.step(Infinity);
  return reader.result();
}

/**
 * `zulipGroupsOf`, yielding to the event loop every few milliseconds: what a
 * fetch uses, since 100 000 members listed several times over is too much
 * for one turn of Electron's main process.
 */
export async function zulipGroupsInSlices(
  raw: unknown,
): Promise<Pick<ZulipContext, 'groupNames' | 'groupIdsByUser'>> {
  const reader = groupsReader(raw);
  while (!reader.step(performance.now() + SLICE_MS)) await yieldToEventLoop();
  return reader.result();
}
