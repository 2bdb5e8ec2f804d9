/**
 * How often search puts the right person first (issue 17), over the
 * 100 000-user cache: the exact user ID's owner first, the exact email's
 * owner first, how much of page 1 a name prefix fills with names that have
 * a word starting with it, and how many of the top ten hold the query in
 * their name. Measured for the relevance sort and, as the baseline, for
 * the name sort every search used before.
 *
 * Runs in Node (bench processes).
 */
import { DatabaseSync } from '@photostructure/sqlite';
import { foldText } from '@core/search/search-text';
import { databasePath } from '@core/store/db';
import type { SortKey, UserSummary } from '@shared/model';
import { figure, statsOf, type Figure } from './figures';

/** Asks one search, page 1 (60 rows), with the given sort. */
export type AskPage = (text: string, sort: SortKey) => Promise<UserSummary[]>;

/** Name prefixes an admin types (Latin, with an umlaut, Cyrillic). */
const NAME_PREFIXES = [
  'ann',
  'mar',
  'jo',
  'li',
  'chr',
  'ale',
  'kat',
  'sa',
  'mü',
  'ив',
  'ngu',
  'sch',
];

/** Users to look up by exact ID and email: every 2 003rd row, 40 of them. */
function sampleUsers(dir: string): { userId: string; name: string; email: string | null }[] {
  const db = new DatabaseSync(databasePath(dir), { readOnly: true });
  try {
    return db
      .prepare(
        'SELECT user_id, name, email FROM users WHERE row_id % 2003 = 7 ORDER BY row_id LIMIT 40',
      )
      .all()
      .map((r) => ({
        userId: String(r.user_id),
        name: String(r.name),
        email: typeof r.email === 'string' ? r.email : null,
      }));
  } finally {
    db.close();
  }
}

const wordsOf = (name: string): string[] => foldText(name).split(/[^\p{L}\p{N}\p{M}]+/u);
const pct = (hits: number, of: number): number => (of === 0 ? 0 : (100 * hits) / of);

/** The four shares for one sort. */
async function measure(
  ask: AskPage,
  sort: SortKey,
  users: ReturnType<typeof sampleUsers>,
): Promise<{ idFirst: number; emailFirst: number; prefixPage: number; top10: number }> {
  let idHits = 0;
  let emailHits = 0;
  let emails = 0;
  for (const u of users) {
    if ((await ask(u.userId, sort))[0]?.userId === u.userId) idHits++;
    if (u.email) {
      emails++;
      if ((await ask(u.email, sort))[0]?.userId === u.userId) emailHits++;
    }
  }
  let prefixIn = 0;
  let prefixOf = 0;
  let topIn = 0;
  let topOf = 0;
  const nameQueries = [
    ...NAME_PREFIXES,
    ...users.slice(0, 20).flatMap((u) => {
      const words = u.name.split(/\s+/u).filter((w) => w !== '');
      return words.length > 1 ? [words[words.length - 1] as string, u.name] : [u.name];
    }),
  ];
  for (const text of nameQueries) {
    const page = await ask(text, sort);
    const q = foldText(text);
    if (NAME_PREFIXES.includes(text)) {
      prefixIn += page.filter((s) => wordsOf(s.name).some((w) => w.startsWith(q))).length;
      prefixOf += page.length;
    }
    const top = page.slice(0, 10);
    topIn += top.filter((s) => foldText(s.name).includes(q)).length;
    topOf += top.length;
  }
  return {
    idFirst: pct(idHits, users.length),
    emailFirst: pct(emailHits, emails),
    prefixPage: pct(prefixIn, prefixOf),
    top10: pct(topIn, topOf),
  };
}

/** The relevance figures, each against the name sort as its baseline. */
export async function relevanceFigures(
  ask: AskPage,
  dir: string,
  group: string,
): Promise<Figure[]> {
  const users = sampleUsers(dir);
  const after = await measure(ask, 'relevance', users);
  const before = await measure(ask, 'name', users);
  const rows: { id: keyof typeof after; name: string; target: number | null }[] = [
    { id: 'idFirst', name: `exact user ID: owner first (${users.length} IDs)`, target: 100 },
    { id: 'emailFirst', name: 'exact email: owner first', target: 100 },
    {
      id: 'prefixPage',
      name: `name prefix: page 1 names with a word starting with it (${NAME_PREFIXES.join(', ')})`,
      target: null,
    },
    {
      id: 'top10',
      name: 'top 10 with the query in the name (prefixes, surnames, full names)',
      target: 59,
    },
  ];
  return rows.map((r) =>
    figure({
      id: `relevance.${r.id}`,
      group,
      name: r.name,
      unit: '%',
      stats: statsOf([after[r.id]]),
      baseline: {
        name: 'sort by name (every search before issue 17)',
        stats: statsOf([before[r.id]]),
      },
      speedWords: false,
      target:
        r.target === null
          ? null
          : {
              text: r.target === 100 ? '100 %' : `≥ ${r.target} % (MiniSearch)`,
              holds: after[r.id] >= r.target,
              why: `${after[r.id].toFixed(0)} % with relevance, ${before[r.id].toFixed(0)} % by name`,
            },
    }),
  );
}
