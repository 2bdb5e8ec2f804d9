/**
 * Users and queries for tests that hold two ways of building the search
 * index to the same answers (a saved index, a bulk build, row by row).
 */
import type { SearchQuery } from '@shared/model';
import type { UsersRepo } from '@core/store/users-repo';
import { field, makeUser, searchQuery } from './cache-fixtures';

const FIRST = ['Zoë', 'Anna', 'Иван', '王', 'Straße', 'Ødegård', 'maria', 'O"Neil', '😀x', 'Ab'];
const LAST = ['Müller', 'García', 'Петров', '小明', 'Nguyen', 'Schröder', 'ab', 'x:y', 'ﬁn'];
const ROLES_Z = ['owner', 'administrator', 'moderator', 'member', 'guest'] as const;

/** 1 500 varied users over two connections: past the first capacity, with common and rare n-grams. */
export function people(count = 1500): ReturnType<typeof makeUser>[] {
  return Array.from({ length: count }, (_, i) =>
    makeUser({
      userId: String(1000 + i),
      connectionId: i % 3 === 0 ? 'conn-b' : 'conn-a',
      name: `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]} ${i % 11}`,
      email: `u${i}@${i % 4 === 0 ? 'corp.example.net' : 'example.org'}`,
      role: ROLES_Z[i % ROLES_Z.length] as (typeof ROLES_Z)[number],
      isBot: i % 17 === 0,
      deactivated: i % 13 === 0,
      joinedAt: i % 9 === 0 ? null : Date.UTC(2020, 0, 1) + i * 86_400_000,
      profileFields: i % 5 === 0 ? [field('Team', i % 2 ? 'Finance' : 'People Ops')] : [],
      groups: i % 4 === 0 ? [] : [{ id: String(i % 4), name: `Group ${i % 4}` }],
    }),
  );
}

export const QUERIES: SearchQuery[] = [
  searchQuery({ limit: 2000 }),
  ...['a', 'ü', '王', 'an', 'mü', 'anna', 'müller 3', 'example.org', 'finance', 'qqq', '😀'].map(
    (text) => searchQuery({ text, limit: 2000 }),
  ),
  searchQuery({ roles: ['guest'], sort: 'joined', direction: 'desc', limit: 2000 }),
  searchQuery({ accounts: 'bots', sort: 'role', limit: 2000 }),
  searchQuery({ status: 'deactivated', text: 'an', sort: 'lastActive', limit: 2000 }),
  searchQuery({ connectionIds: ['conn-b'], text: 'corp', sort: 'name', direction: 'desc' }),
  // The group and profile-field filters (filter-keys.ts) read what the snapshot carries.
  searchQuery({ groups: [{ connectionId: 'conn-a', groupId: '2' }], limit: 2000 }),
  searchQuery({
    groups: [
      { connectionId: 'conn-b', groupId: '1' },
      { connectionId: 'conn-a', groupId: '3' },
    ],
    text: 'an',
    limit: 2000,
  }),
  searchQuery({
    profileField: { connectionId: 'conn-a', fieldId: '1', match: 'text', value: 'OPS' },
    limit: 2000,
  }),
  searchQuery({
    profileField: { connectionId: 'conn-b', fieldId: '1', match: 'choice', value: 'Finance' },
    sort: 'joined',
    limit: 2000,
  }),
  // The relevance tables (word-starts.ts) travel in the snapshot too.
  ...['anna', 'an', '1002', '3', 'mü', 'example.org', 'müller 3'].map((text) =>
    searchQuery({ text, sort: 'relevance', limit: 2000 }),
  ),
];

/** Holds two repositories to the same total and page for every query of `QUERIES`. */
export function expectSameAnswers(a: UsersRepo, b: UsersRepo): void {
  for (const q of QUERIES) {
    const x = a.search(q);
    const y = b.search(q);
    expect({ q, total: x.total, items: x.items }).toEqual({ q, total: y.total, items: y.items });
  }
}
