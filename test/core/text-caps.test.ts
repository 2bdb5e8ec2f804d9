import { readPayloadText } from '@core/store/payload-parts';
// Unbounded text (issue 13): a field of ten megabytes from either server is
// cut to its kind's cap and marked as cut in the user, the card, the search
// text and every page, while the cached payload keeps it whole; the index's
// work per user and the bytes of a search page stay bounded whatever a row
// holds, even a row cached before the caps.
import { normalizeOpenWebUIUser } from '@core/providers/openwebui-user';
import { normalizeZulipProfileFields } from '@core/providers/zulip-fields';
import { normalizeZulipUser } from '@core/providers/zulip-user';
import type { ZulipContext } from '@core/providers/types';
import { createSearchIndex } from '@core/search/search-index';
import { buildHaystack, searchRowOf } from '@core/search/search-text';
import { toWrite } from '@core/services/user-writes';
import { createUsersRepo } from '@core/store/users-repo';
import type { DirectoryUser, JsonValue, UserSummary } from '@shared/model';
import { summarize } from '@shared/summary';
import { CARD_LIST_CAPS, capText, CUT_MARK, TEXT_CAPS } from '@shared/text-caps';
import {
  addConnectionRow,
  field,
  makeUser,
  openTestCache,
  searchQuery,
  testClock,
} from './cache-fixtures';

const MB10 = 10 * 1024 * 1024;
/** Ten megabytes of text that is not one repeated unit (so n-grams of it are many). */
/** 64 K of base-36 numbers: thousands of distinct trigrams, repeated to make a huge text quickly. */
const BLOCK = Array.from({ length: 16_000 }, (_, i) => i.toString(36)).join(' ');
const huge = (seed: string): string => `${seed} ${BLOCK.repeat(Math.ceil(MB10 / BLOCK.length))}`;
/** Long enough to need cutting, short enough to keep a test with many such fields quick. */
const long = (seed: string): string => `${seed} ${BLOCK.repeat(4)}`;
const HUGE_NAME = huge('Mallory');
const HUGE_EMAIL = `${huge('e').replace(/ /g, '.')}@example.com`;
const HUGE_TEXT = huge('value');

/** What a search page may grow by for one user however long its server text: a card's worth. */
const ONE_CARD_BYTES = 16 * 1024;

/** The whole payload the cache keeps for a user (a huge one lives in parts; the row holds its preview). */
async function wholePayload(
  cache: ReturnType<typeof openTestCache>,
  userId: string,
): Promise<unknown> {
  const row = cache.db
    .prepare(
      'SELECT p.raw_json, p.raw_parts FROM user_payloads p JOIN users u ON u.row_id = p.row_id WHERE u.user_id = ?',
    )
    .get(userId) as { raw_json: string; raw_parts: string | null };
  return JSON.parse(row.raw_parts ? await readPayloadText(cache.db, row.raw_parts) : row.raw_json);
}

function setup() {
  const clock = testClock();
  const cache = openTestCache({ now: clock.now });
  addConnectionRow(cache, 'conn-z', 'zulip');
  addConnectionRow(cache, 'conn-o', 'openwebui');
  const index = createSearchIndex();
  const users = createUsersRepo(cache, { now: clock.now, index });
  return { clock, cache, users, index };
}

const zulipDefs = normalizeZulipProfileFields([
  { id: 1, type: 2, name: 'About', hint: '', order: 1, display_in_profile_summary: true },
  { id: 2, type: 1, name: huge('Field'), hint: huge('hint'), order: 2 },
]);

const zulipContext: ZulipContext = {
  kind: 'zulip',
  fetchedAt: 1,
  profileFields: zulipDefs,
  groupNames: { '10': huge('Group'), '11': 'Design' },
  groupIdsByUser: { '66': ['10', '11'] },
};

function hugeZulipUser(): JsonValue {
  return {
    user_id: 66,
    full_name: HUGE_NAME,
    email: HUGE_EMAIL,
    delivery_email: HUGE_EMAIL,
    role: 400,
    is_active: true,
    profile_data: {
      '1': { value: HUGE_TEXT, rendered_value: `<p>${HUGE_TEXT}</p>` },
      '2': { value: HUGE_TEXT },
    },
  };
}

function hugeOpenWebUIUser(): JsonValue {
  return {
    id: 'owui-66',
    name: HUGE_NAME,
    email: HUGE_EMAIL,
    username: long('user'),
    role: 'user',
    bio: huge('bio'),
    gender: long('gender'),
    status_emoji: long('🙂'),
    status_message: long('status'),
    groups: [{ id: 'g1', name: long('Group') }],
    info: { about: long('info') },
  };
}

function normalizedZulip(raw: JsonValue): DirectoryUser {
  return normalizeZulipUser(raw, {
    connectionId: 'conn-z',
    baseUrl: 'https://zulip.example.com',
    context: zulipContext,
  });
}

function normalizedOpenWebUI(raw: JsonValue): DirectoryUser {
  return normalizeOpenWebUIUser(raw, {
    connectionId: 'conn-o',
    baseUrl: 'https://owui.example.com',
    context: null,
  });
}

/** Whether `text` is a cut text of its kind: exactly at its cap (or one below), ending in "…". */
function isCutTo(text: string | null | undefined, kind: keyof typeof TEXT_CAPS): boolean {
  return (
    typeof text === 'string' &&
    text.endsWith(CUT_MARK) &&
    text.length <= TEXT_CAPS[kind] &&
    text.length >= TEXT_CAPS[kind] - 1
  );
}

/** Bytes a page carries over IPC (JSON), the measure of what a keystroke costs to send. */
const pageBytes = (items: UserSummary[]): number => JSON.stringify(items).length;

describe('text caps', () => {
  it('cut to the cap with a mark, never split a surrogate pair, and change nothing twice', () => {
    expect(capText('short', 'name')).toBe('short');
    const cut = capText('x'.repeat(1000), 'name');
    expect(cut).toHaveLength(TEXT_CAPS.name);
    expect(cut.endsWith(CUT_MARK)).toBe(true);
    expect(capText(cut, 'name')).toBe(cut);
    const emoji = capText('😀'.repeat(1000), 'name');
    expect(emoji.length).toBeLessThanOrEqual(TEXT_CAPS.name);
    expect(emoji.slice(0, -1)).toBe('😀'.repeat((emoji.length - 1) / 2));
  });
});

describe('a Zulip user with ten megabytes in a field', () => {
  it('is stored cut and marked, its payload whole, its card and page small', async () => {
    const { users, cache } = setup();
    const raw = hugeZulipUser();
    const user = normalizedZulip(raw);

    expect(isCutTo(user.name, 'name')).toBe(true);
    expect(isCutTo(user.email, 'email')).toBe(true);
    expect(isCutTo(user.deliveryEmail, 'email')).toBe(true);
    expect(user.groups.map((g) => g.name)).toEqual([capText(huge('Group'), 'label'), 'Design']);
    const [about, other] = user.profileFields;
    expect(isCutTo(about?.value, 'fieldValue')).toBe(true);
    expect(isCutTo(about?.text, 'fieldValue')).toBe(true);
    expect(about?.renderedHtml).toBeNull();
    expect(about?.cut).toBe(true);
    expect(isCutTo(other?.name, 'label')).toBe(true);
    expect(other?.cut).toBe(true);
    expect(user.cut).toEqual(
      expect.arrayContaining(['name', 'email', 'deliveryEmail', 'groups', 'profileFields']),
    );

    await users.upsertBatch([toWrite({ user, raw }, 1)]);
    await users.buildSearchIndex();
    const stored = users.get('conn-z', '66');
    expect(stored?.user.name).toBe(user.name);
    expect(stored?.user.cut).toEqual(user.cut);
    expect(stored?.user.profileFields[0]?.cut).toBe(true);
    // The payload keeps every character the server sent.
    const storedRaw = (await wholePayload(cache, '66')) as {
      full_name: string;
      profile_data: Record<string, unknown>;
    };
    expect(storedRaw.full_name).toBe(HUGE_NAME);
    expect(JSON.stringify(storedRaw.profile_data)).toContain(HUGE_TEXT);

    const card = users.getSummary('conn-z', '66');
    expect(isCutTo(card?.name, 'name')).toBe(true);
    expect(card?.cut).toEqual(expect.arrayContaining(['name', 'email', 'groups']));
    expect(isCutTo(card?.summaryFields[0]?.text, 'cardLine')).toBe(true);
    expect(JSON.stringify(card).length).toBeLessThan(ONE_CARD_BYTES);
  });

  it('adds no more to a search page than an ordinary user does, give or take a card', async () => {
    const { users } = setup();
    const ordinary = Array.from({ length: 20 }, (_, i) =>
      makeUser({ connectionId: 'conn-z', userId: String(100 + i), name: `Person ${i}` }),
    );
    await users.upsertBatch(ordinary.map((u) => toWrite({ user: u, raw: { id: u.userId } }, 1)));
    await users.buildSearchIndex();
    const before = await users.searchAsync(searchQuery());
    const raw = hugeZulipUser();
    await users.upsertBatch([toWrite({ user: normalizedZulip(raw), raw }, 1)]);
    const after = await users.searchAsync(searchQuery());
    expect(after.total).toBe(before.total + 1);
    expect(pageBytes(after.items) - pageBytes(before.items)).toBeLessThan(ONE_CARD_BYTES);
    // Found by what was kept of the name, as any user is.
    const found = await users.searchAsync(searchQuery({ text: 'mallory' }));
    expect(found.items.map((i) => i.userId)).toEqual(['66']);
  });
});

describe('an Open WebUI user with ten megabytes in a field', () => {
  it('is stored cut and marked, its payload whole, its card and page small', async () => {
    const { users, cache } = setup();
    const raw = hugeOpenWebUIUser();
    const user = normalizedOpenWebUI(raw);

    expect(isCutTo(user.name, 'name')).toBe(true);
    expect(isCutTo(user.email, 'email')).toBe(true);
    expect(isCutTo(user.username, 'name')).toBe(true);
    expect(isCutTo(user.bio, 'bio')).toBe(true);
    expect(isCutTo(user.gender, 'label')).toBe(true);
    expect(isCutTo(user.status?.message, 'status')).toBe(true);
    expect(isCutTo(user.status?.emoji, 'emoji')).toBe(true);
    expect(isCutTo(user.groups[0]?.name, 'label')).toBe(true);
    expect(isCutTo((user.extra.info as { about: string }).about, 'extra')).toBe(true);
    expect([...(user.cut ?? [])].sort()).toEqual(
      ['bio', 'email', 'extra', 'gender', 'groups', 'name', 'status', 'username'].sort(),
    );

    await users.upsertBatch([toWrite({ user, raw }, 1)]);
    const stored = users.get('conn-o', 'owui-66');
    expect(stored?.user.cut).toEqual(user.cut);
    const storedRaw = (await wholePayload(cache, stored?.user.userId ?? '')) as {
      name: string;
      bio: string;
      info: { about: string };
    };
    expect(storedRaw.name).toBe(HUGE_NAME);
    expect(storedRaw.bio).toBe(huge('bio'));
    expect(storedRaw.info.about).toBe(long('info'));

    const card = users.getSummary('conn-o', 'owui-66');
    expect(isCutTo(card?.name, 'name')).toBe(true);
    expect(card?.cut).toEqual(expect.arrayContaining(['name', 'email', 'status', 'groups']));
    expect(JSON.stringify(card).length).toBeLessThan(ONE_CARD_BYTES);
    const page = await users.searchAsync(searchQuery({ connectionIds: ['conn-o'] }));
    expect(pageBytes(page.items)).toBeLessThan(ONE_CARD_BYTES);
  });
});

describe('the search text and the index', () => {
  it('hold at most a haystack of its cap per user, however many fields and however long', () => {
    const user = makeUser({
      userId: '1',
      name: HUGE_NAME,
      email: HUGE_EMAIL,
      groups: Array.from({ length: 5000 }, (_, i) => ({ id: String(i), name: `Group ${i}` })),
      profileFields: [field('About', HUGE_TEXT)],
    });
    const hay = buildHaystack(user);
    expect(hay.length).toBeLessThanOrEqual(TEXT_CAPS.searchText);
    expect(hay.startsWith('mallory ')).toBe(true);
    expect(searchRowOf(user).sortName.length).toBeLessThanOrEqual(TEXT_CAPS.sortName);
  });

  it('grams no more of a row than the cap, whatever search text it is handed', () => {
    const index = createSearchIndex();
    const row = { ...searchRowOf(makeUser({ userId: '1' })), rowId: 1 };
    index.upsert([{ ...row, searchText: HUGE_TEXT, sortName: HUGE_NAME }]);
    const stats = index.stats();
    expect(stats.stringChars).toBeLessThanOrEqual(TEXT_CAPS.searchText + TEXT_CAPS.sortName);
    // Every trigram starts at one of the kept units: at most one per unit.
    expect(stats.trigrams).toBeLessThanOrEqual(TEXT_CAPS.searchText);
    expect(index.search(searchQuery({ text: 'value' })).rowIds).toEqual([1]);
  });

  it('keeps pages and the index small for a row cached before the caps', async () => {
    const { cache, users, index } = setup();
    const u = makeUser({ connectionId: 'conn-z', userId: '7', name: 'Old Row' });
    await users.upsertBatch([toWrite({ user: u, raw: { id: '7' } }, 1)]);
    // What an older Rollcall stored for a 10 MB name: whole, in every column.
    cache.db
      .prepare(
        `UPDATE users SET derived_version = 1, search_text = ?, sort_name = ?,
           summary_json = json_set(summary_json, '$.name', ?, '$.groups', json(?)) WHERE user_id = '7'`,
      )
      .run(
        HUGE_TEXT,
        HUGE_NAME,
        HUGE_NAME,
        JSON.stringify(Array.from({ length: 1000 }, (_, i) => `Group ${i}`)),
      );
    await users.buildSearchIndex();
    expect(index.stats().stringChars).toBeLessThanOrEqual(
      TEXT_CAPS.searchText + TEXT_CAPS.sortName,
    );
    const page = await users.searchAsync(searchQuery());
    const card = page.items[0];
    expect(isCutTo(card?.name, 'name')).toBe(true);
    expect(card?.groups).toHaveLength(CARD_LIST_CAPS.groups);
    expect(card?.cut).toEqual(expect.arrayContaining(['name', 'groups']));
    expect(pageBytes(page.items)).toBeLessThan(ONE_CARD_BYTES);
  });

  it('makes a card of a user with many groups and fields no bigger than the caps allow', () => {
    const user = makeUser({
      userId: '1',
      groups: Array.from({ length: 500 }, (_, i) => ({ id: String(i), name: `Group ${i}` })),
      profileFields: Array.from({ length: 50 }, (_, i) => field(`F${i}`, 'y'.repeat(5000))),
    });
    const card = summarize(user);
    expect(card.groups).toHaveLength(CARD_LIST_CAPS.groups);
    expect(card.summaryFields).toHaveLength(CARD_LIST_CAPS.summaryFields);
    expect(card.summaryFields.every((f) => isCutTo(f.text, 'cardLine'))).toBe(true);
    expect(card.cut).toEqual(expect.arrayContaining(['groups', 'profileFields']));
    expect(JSON.stringify(card).length).toBeLessThan(ONE_CARD_BYTES);
  });
});
