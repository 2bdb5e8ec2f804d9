/**
 * Zulip user groups as `GET /user_groups` sends them: the eight system
 * `role:*` groups (with their subgroup chain and group-setting values) and
 * up to twelve named groups of active humans, some in other scripts, one
 * with an anonymous group as a setting.
 *
 * Node only; never imports `electron`.
 */
import type { Rng } from './random';
import type { ZulipWireUser, ZulipWireUserGroup } from './wire-shapes';

/** The named groups, in ID order; a directory gets more of them as it grows. */
const NAMED_GROUPS = [
  ['Engineering', 'Everyone who ships code'],
  ['Design', 'Product and visual design'],
  ['Support', 'Customer support, all regions'],
  ['Sales', 'Sales and partnerships'],
  ['Leadership', 'Leads of every team'],
  ['On-call', 'This week’s pager rotation'],
  ['Berlin office', 'Folks at the Berlin office'],
  ['Équipe Paris', 'L’équipe de Paris'],
  ['東京チーム', '東京オフィス'],
  ['Команда Москва', 'Московский офис'],
  ['Security champions', 'One per team'],
  ['Newcomers', 'Joined in the last 90 days'],
] as const;

/**
 * Every user group of an organization: the system groups, then named
 * groups of active humans. Draws only for the named groups, after the
 * members are made, so it must run after them and before presence.
 */
export function zulipUserGroups(
  rng: Rng,
  members: readonly ZulipWireUser[],
  humans: readonly ZulipWireUser[],
  count: number,
  nowMs: number,
): ZulipWireUserGroup[] {
  const ownerId = humans[0]?.user_id ?? null;
  return [...systemGroups(members), ...namedGroups(rng, humans, count, nowMs, ownerId)];
}

/** The `role:*` groups Zulip makes for every organization, members by role (no draws). */
function systemGroups(members: readonly ZulipWireUser[]): ZulipWireUserGroup[] {
  const byRole = (r: number): number[] =>
    members.filter((m) => m.is_active && m.role === r).map((m) => m.user_id);
  const system: [string, string, number[], number[]][] = [
    ['role:nobody', 'Nobody', [], []],
    ['role:owners', 'Owners of this organization', byRole(100), []],
    [
      'role:administrators',
      'Administrators of this organization, including owners',
      byRole(200),
      [2],
    ],
    [
      'role:moderators',
      'Moderators of this organization, including administrators',
      byRole(300),
      [3],
    ],
    [
      'role:fullmembers',
      'Members of this organization, not including new accounts and guests',
      byRole(400),
      [4],
    ],
    ['role:members', 'Members of this organization, not including guests', byRole(400), [4]],
    ['role:everyone', 'Everyone in this organization, including guests', byRole(600), [6]],
    ['role:internet', 'Everyone on the Internet', [], [7]],
  ];
  return system.map(([name, description, groupMembers, subgroups], i) => ({
    description,
    id: i + 1,
    creator_id: null,
    date_created: null,
    name,
    members: groupMembers,
    direct_subgroup_ids: subgroups,
    is_system_group: true,
    can_add_members_group: 1,
    can_join_group: 1,
    can_leave_group: 1,
    can_manage_group: 1,
    can_mention_group: i === 7 ? 1 : 7,
    can_remove_members_group: 1,
    deactivated: false,
  }));
}

/** The named groups: each active human joins up to three, chosen at random. */
function namedGroups(
  rng: Rng,
  humans: readonly ZulipWireUser[],
  count: number,
  nowMs: number,
  ownerId: number | null,
): ZulipWireUserGroup[] {
  const userGroups: ZulipWireUserGroup[] = [];
  const groupCount =
    count === 0 ? 0 : Math.min(NAMED_GROUPS.length, Math.max(3, Math.ceil(count / 20)));
  const namedMembers: number[][] = Array.from({ length: groupCount }, () => []);
  for (const hUser of humans) {
    if (!hUser.is_active || groupCount === 0) continue;
    const n = rng.pick([0, 1, 1, 1, 2, 2, 3]);
    const chosen = new Set<number>();
    for (let k = 0; k < n; k++) chosen.add(rng.int(0, groupCount - 1));
    for (const g of chosen) namedMembers[g]!.push(hUser.user_id);
  }
  for (let g = 0; g < groupCount; g++) {
    const [name, description] = NAMED_GROUPS[g]!;
    userGroups.push({
      description,
      id: 9 + g,
      creator_id: ownerId,
      date_created: g % 4 === 0 ? null : Math.floor(nowMs / 1000) - rng.int(86_400, 900 * 86_400),
      name,
      members: namedMembers[g]!,
      direct_subgroup_ids: [],
      is_system_group: false,
      can_add_members_group:
        g === 0 && ownerId !== null ? { direct_members: [ownerId], direct_subgroups: [3] } : 3,
      can_join_group: 6,
      can_leave_group: 7,
      can_manage_group: 3,
      can_mention_group: 7,
      can_remove_members_group: 3,
      deactivated: false,
    });
  }
  return userGroups;
}
