// Random groups, profile field values and the group and profile-field
// filters (search/filter-keys.ts) for the property tests that hold the
// index and the SQL search to the reference search, and a naive statement
// of those two filters, written from the user itself, that the reference
// is held to in turn.
import fc from 'fast-check';
import { foldText } from '@core/search/search-text';
import type { DirectoryUser, GroupRef, ProfileFieldValue, SearchQuery } from '@shared/model';

/** A person's groups (by ID) and the key of a choice field (null: no value). */
export const keyedPart = fc.record({
  groupIds: fc.subarray(['1', '2', '3']),
  choice: fc.constantFrom<string | null>(null, 'a', 'b'),
});
type KeyedPart = typeof keyedPart extends fc.Arbitrary<infer K> ? K : never;

const GROUP_NAMES: Record<string, string> = {
  '1': 'Ops',
  '2': 'Engineering',
  '3': 'Zürich office',
};
const CHOICE_TEXTS: Record<string, string> = { a: 'Alpha', b: 'Beta' };

/** The groups of a person. */
export function groupsOf(k: KeyedPart): GroupRef[] {
  return k.groupIds.map((id) => ({ id, name: GROUP_NAMES[id] ?? id }));
}

/** The choice field of a person (field ID "5"), or none. */
export function choiceFieldOf(k: KeyedPart): ProfileFieldValue[] {
  if (k.choice === null) return [];
  const text = CHOICE_TEXTS[k.choice] ?? k.choice;
  return [
    {
      fieldId: '5',
      name: 'Team',
      type: 'choice',
      order: 5,
      displayInSummary: false,
      value: k.choice,
      text,
      renderedHtml: null,
      url: null,
      userIds: null,
    },
  ];
}

/** The group filter: often none, else some groups of both connections and one of none. */
const noGroups: SearchQuery['groups'] = [];
export const groupsFilter: fc.Arbitrary<SearchQuery['groups']> = fc.oneof(
  fc.constant(noGroups),
  fc.constant(noGroups),
  fc.subarray(
    [
      { connectionId: 'conn-a', groupId: '1' },
      { connectionId: 'conn-a', groupId: '2' },
      { connectionId: 'conn-b', groupId: '1' },
      { connectionId: 'conn-b', groupId: '3' },
      { connectionId: 'conn-x', groupId: '1' },
    ],
    { minLength: 1 },
  ),
);

/**
 * The profile-field filter: a choice's key (or a choice's text, which is
 * not its key), or a text value on the text field "1" or the choice field.
 * "'" folds to nothing: any value of the field matches.
 */
export const profileFieldFilter: fc.Arbitrary<SearchQuery['profileField']> = fc.option(
  fc.oneof(
    fc.record({
      connectionId: fc.constantFrom('conn-a', 'conn-b'),
      fieldId: fc.constant('5'),
      match: fc.constant('choice' as const),
      value: fc.constantFrom('a', 'b', 'Alpha'),
    }),
    fc.record({
      connectionId: fc.constantFrom('conn-a', 'conn-b'),
      fieldId: fc.constantFrom('1', '5'),
      match: fc.constant('text' as const),
      value: fc.constantFrom('ü', 'zur', 'ZÜRICH', 'plat', '+49 30', '北', 'alp', "'", 'x'),
    }),
  ),
  { nil: null },
);

/** The two filters said naively, from the user as the server described it. */
export function naiveKeysMatch(user: DirectoryUser, q: SearchQuery): boolean {
  if (
    q.groups.length > 0 &&
    !q.groups.some(
      (g) => g.connectionId === user.connectionId && user.groups.some((x) => x.id === g.groupId),
    )
  ) {
    return false;
  }
  const f = q.profileField;
  if (f === null) return true;
  return (
    f.connectionId === user.connectionId &&
    user.profileFields.some(
      (v) =>
        v.fieldId === f.fieldId &&
        (f.match === 'choice' ? v.value === f.value : foldText(v.text).includes(foldText(f.value))),
    )
  );
}

/**
 * The queries to check for `q`: itself and, when it has a group or field
 * filter, that filter alone (the others and the text left out), so the
 * new filters are often what decides a row, not what the others left.
 */
export function withKeysAlone<Q extends SearchQuery>(q: Q): Q[] {
  if (q.groups.length === 0 && q.profileField === null) return [q];
  const alone = {
    ...q,
    text: '',
    connectionIds: [],
    roles: [],
    accounts: 'all',
    status: 'all',
    activity: 'all',
    joinedAfter: null,
    joinedBefore: null,
  } satisfies SearchQuery;
  return [q, alone];
}
