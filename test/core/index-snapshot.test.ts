// Issue 17: the search index saved beside the cache (store/index-snapshot.ts)
// is read back at start and answers exactly as a fresh build does; a saved
// index that is damaged, cut short, of another version or older than the
// cache is never trusted: it is discarded and the index is built again,
// with the same answers. And the bulk build sorts its orders once, at the
// end, with the same answers as row-by-row merging.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSearchIndex, type IndexedRow, type SearchIndex } from '@core/search/search-index';
import { searchRowOf } from '@core/search/search-text';
import {
  loadIndexSnapshot,
  readSnapshotFile,
  saveIndexSnapshot,
  SNAPSHOT_FILE_NAME,
  type SnapshotContext,
} from '@core/store/index-snapshot';
import { usersAccess } from '@core/store/users-rows';
import { createUsersRepo, type UsersRepo } from '@core/store/users-repo';
import {
  addConnectionRow,
  makeUser,
  openTestCache,
  searchQuery,
  recordingLog,
} from './cache-fixtures';
import { expectSameAnswers, people, QUERIES } from './index-fixtures';

/** A cache of `people()`, a repository whose index is built and saved, and the SQL-only one. */
async function savedCache(): Promise<{
  cache: ReturnType<typeof openTestCache>;
  sql: UsersRepo;
  file: string;
}> {
  const cache = openTestCache();
  addConnectionRow(cache, 'conn-a', 'zulip');
  addConnectionRow(cache, 'conn-b', 'zulip');
  const first = createUsersRepo(cache, { now: () => 1, index: createSearchIndex() });
  await first.upsertBatch(people().map((user) => ({ user, raw: {}, fetchedAt: 1 })));
  await first.buildSearchIndex();
  expect(await first.saveSearchIndex()).toBe(true);
  const file = join(cache.dir, SNAPSHOT_FILE_NAME);
  expect(existsSync(file)).toBe(true);
  return { cache, sql: createUsersRepo(cache, { now: () => 1 }), file };
}

/** A new repository with a new index over `cache`, started as the app starts it. */
async function started(
  cache: ReturnType<typeof openTestCache>,
): Promise<{ repo: UsersRepo; log: ReturnType<typeof recordingLog> }> {
  const log = recordingLog();
  const repo = createUsersRepo(cache, { now: () => 1, log, index: createSearchIndex() });
  await repo.buildSearchIndex();
  expect(repo.searchIndexState()).toBe('ready');
  return { repo, log };
}

const fromSaved = (lines: string[]): boolean =>
  lines.some((l) => l.startsWith('search index ready') && l.includes('saved index'));

describe('the saved search index', () => {
  it('is read back at start and answers exactly as the SQL search and a fresh build do', async () => {
    const { cache, sql } = await savedCache();
    const { repo, log } = await started(cache);
    expect(fromSaved(log.lines)).toBe(true);
    expectSameAnswers(repo, sql);
    // The filters read what the snapshot carried: they find someone.
    for (const q of QUERIES.filter((x) => x.groups.length > 0 || x.profileField !== null)) {
      expect(repo.search(q).total).toBeGreaterThan(0);
    }
    // It keeps in step with writes after the load, as a built one does.
    await repo.upsertBatch(
      people(40).map((user, i) => ({
        user: { ...user, userId: `new-${i}`, name: `Newcomer ${user.name}` },
        raw: {},
        fetchedAt: 2,
      })),
    );
    repo.upsert({ user: { ...people(1)[0]!, name: 'Renamed Zzz' }, raw: {}, fetchedAt: 3 }, 3);
    repo.markGone('conn-a', '1001', 4);
    await repo.purgeGone('conn-a');
    expectSameAnswers(repo, sql);
    expect(repo.search(searchQuery({ text: 'newcomer' })).total).toBe(40);
    cache.close();
  });

  /** Adds `delta` to a number in the file's header; the body stays as it was. */
  const addToHeaderNumber = (file: string, key: string, delta: number): void => {
    const text = readFileSync(file).toString('latin1');
    const fixed = text.replace(
      new RegExp(`"${key}":(\\d+)`),
      (_, v: string) => `"${key}":${Number(v) + delta}`,
    );
    expect(fixed).not.toBe(text);
    writeFileSync(file, Buffer.from(fixed, 'latin1'));
  };

  const damages: [string, (file: string) => void][] = [
    [
      'a flipped byte in its body',
      (file) => {
        const bytes = readFileSync(file);
        const at = bytes.length - 1000;
        bytes[at] = (bytes[at] as number) ^ 0x40;
        writeFileSync(file, bytes);
      },
    ],
    ['cut short', (file) => writeFileSync(file, readFileSync(file).subarray(0, 70_000))],
    [
      'another version of the search code',
      (file) => addToHeaderNumber(file, 'searchIndexVersion', 5),
    ],
    [
      // Version 1 carried no groups or profile field values: its filters would find no one.
      'written by the older search code, before the slots carried their filter keys',
      (file) => addToHeaderNumber(file, 'searchIndexVersion', -1),
    ],
    [
      // Format 3 kept each user's filter keys as sets of strings: its body does not read as 4's.
      'in the layout of an older version',
      (file) => addToHeaderNumber(file, 'format', -1),
    ],
    ['not a snapshot at all', (file) => writeFileSync(file, 'hello')],
    [
      // Sparse: no disk used. Read whole, its body would not fit in one buffer (nor memory).
      'grown to 5 GiB past its header',
      (file) => truncateSync(file, 5 * 2 ** 30),
    ],
  ];
  for (const [kind, damage] of damages) {
    it(`is discarded and built again when ${kind}, with the same answers`, async () => {
      const { cache, sql, file } = await savedCache();
      damage(file);
      const { repo, log } = await started(cache);
      expect(fromSaved(log.lines)).toBe(false);
      expect(log.lines.some((l) => l.startsWith('saved search index not used'))).toBe(true);
      expect(existsSync(file)).toBe(false);
      expectSameAnswers(repo, sql);
      cache.close();
    });
  }

  it('is discarded when the cache changed after it was saved, even by another program', async () => {
    const { cache, sql, file } = await savedCache();
    // A write the index never saw: a rename by another connection.
    const { DatabaseSync } = await import('@photostructure/sqlite');
    const other = new DatabaseSync(cache.path);
    other
      .prepare(`UPDATE users SET search_text = 'zebra', sort_name = 'zebra' WHERE user_id = '1002'`)
      .run();
    other.close();
    const { repo, log } = await started(cache);
    expect(fromSaved(log.lines)).toBe(false);
    expect(existsSync(file)).toBe(false);
    expect(repo.search(searchQuery({ text: 'zebra' })).total).toBe(1);
    expectSameAnswers(repo, sql);
    cache.close();
  });

  it('is discarded after another program inserts users, into a freed row ID too', async () => {
    const { DatabaseSync } = await import('@photostructure/sqlite');
    const cols = `connection_id, user_id, kind, role, role_rank, is_bot, deactivated,
      derived_version, fetched_at, content_hash, name, sort_name, search_text, summary_json, seen_at`;
    const insert = (db: InstanceType<typeof DatabaseSync>, rowId: number | null): void => {
      db.prepare(
        `INSERT INTO users (row_id, ${cols}) SELECT ?, connection_id, 'zz' || user_id, kind, role,
           role_rank, is_bot, deactivated, derived_version, fetched_at, content_hash, 'Zebra',
           'zebra', 'zebra', summary_json, seen_at FROM users WHERE user_id = '1001'`,
      ).run(rowId);
    };
    const cases: ((db: InstanceType<typeof DatabaseSync>) => void)[] = [
      // A new user: one row more.
      (db) => insert(db, null),
      // A user removed and another put in its row ID: as many rows, the same largest ID.
      (db) => {
        const { row_id: rowId } = db
          .prepare(`SELECT row_id FROM users WHERE user_id = '1003'`)
          .get() as { row_id: number };
        db.prepare('DELETE FROM users WHERE row_id = ?').run(rowId);
        insert(db, rowId);
      },
      // The last user removed, and a new one given its ID by SQLite.
      (db) => {
        db.exec('DELETE FROM users WHERE row_id = (SELECT max(row_id) FROM users)');
        insert(db, null);
      },
    ];
    for (const change of cases) {
      const { cache, sql } = await savedCache();
      const other = new DatabaseSync(cache.path);
      change(other);
      other.close();
      const { repo, log } = await started(cache);
      expect(fromSaved(log.lines)).toBe(false);
      expect(repo.search(searchQuery({ text: 'zebra' })).total).toBe(1);
      expectSameAnswers(repo, sql);
      cache.close();
    }
  });

  it('is not used when a write lands while it is read, and the write is not lost', async () => {
    const { cache, sql } = await savedCache();
    const log = recordingLog();
    const repo = createUsersRepo(cache, { now: () => 1, log, index: createSearchIndex() });
    const building = repo.buildSearchIndex();
    repo.upsert(
      { user: makeUser({ userId: 'late', name: 'Latecomer Qwj' }), raw: {}, fetchedAt: 5 },
      5,
    );
    await building;
    expect(repo.searchIndexState()).toBe('ready');
    expect(fromSaved(log.lines)).toBe(false);
    expect(repo.search(searchQuery({ text: 'qwj' })).total).toBe(1);
    expectSameAnswers(repo, sql);
    cache.close();
  });

  it('is discarded when a change only marked a user gone', async () => {
    const { cache, sql } = await savedCache();
    sql.markGone('conn-a', '1001', 9);
    const { repo, log } = await started(cache);
    expect(fromSaved(log.lines)).toBe(false);
    expectSameAnswers(repo, sql);
    cache.close();
  });
});

describe('saving the index on its own', () => {
  it('stops when core closes: the waiting save is dropped and no write schedules another', async () => {
    // The save waits for a quiet moment on a timer; left running past close,
    // that timer held the closed core's whole index (~170 MB at 100 000 users).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const cache = openTestCache();
    try {
      addConnectionRow(cache, 'conn-a', 'zulip');
      addConnectionRow(cache, 'conn-b', 'zulip');
      const repo = createUsersRepo(cache, { now: () => 1, index: createSearchIndex() });
      const write = (from: number, to: number) =>
        repo.upsertBatch(
          people()
            .slice(from, to)
            .map((user) => ({ user, raw: {}, fetchedAt: 1 })),
        );
      await repo.buildSearchIndex();
      await write(0, 50);
      expect(vi.getTimerCount()).toBe(1);
      // No time given: nothing is saved now either.
      expect(await repo.stopSearchIndex()).toBe(false);
      expect(vi.getTimerCount()).toBe(0);
      await write(50, 100);
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(60_000);
      expect(existsSync(join(cache.dir, SNAPSHOT_FILE_NAME))).toBe(false);
      // Searches still answer from the index.
      expect(repo.search(searchQuery({ limit: 1000 })).total).toBe(100);
    } finally {
      vi.useRealTimers();
      cache.close();
    }
  });
  it('waits for a sync worker to end: a save due meanwhile is not made, and is made after', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const cache = openTestCache();
    const file = join(cache.dir, SNAPSHOT_FILE_NAME);
    try {
      addConnectionRow(cache, 'conn-a', 'zulip');
      addConnectionRow(cache, 'conn-b', 'zulip');
      const repo = createUsersRepo(cache, { now: () => 1, index: createSearchIndex() });
      await repo.upsertBatch(people().map((user) => ({ user, raw: {}, fetchedAt: 1 })));
      await repo.buildSearchIndex();
      // The build asked for a save after three quiet seconds; a sync starts meanwhile.
      const worker = repo.externalWrites();
      vi.advanceTimersByTime(3000);
      // Time for a save to be made, were it started (well under a second here).
      const waitUntil = Date.now() + 3000;
      while (!existsSync(file) && Date.now() < waitUntil) {
        await new Promise((r) => setImmediate(r));
      }
      expect(existsSync(file)).toBe(false);
      // Its end asks again, and that save is made.
      worker.end(true);
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(3000);
      const deadline = Date.now() + 20_000;
      while (!existsSync(file) && Date.now() < deadline) {
        await new Promise((r) => setImmediate(r));
      }
      expect(existsSync(file)).toBe(true);
    } finally {
      vi.useRealTimers();
      cache.close();
    }
  });
});

describe('saving the index as core closes', () => {
  /** A repository whose built index was saved, then changed by a write the save has not seen. */
  async function changedSinceSaved() {
    const cache = openTestCache();
    addConnectionRow(cache, 'conn-a', 'zulip');
    addConnectionRow(cache, 'conn-b', 'zulip');
    const repo = createUsersRepo(cache, { now: () => 1, index: createSearchIndex() });
    const users = people();
    await repo.upsertBatch(users.slice(0, 60).map((user) => ({ user, raw: {}, fetchedAt: 1 })));
    await repo.buildSearchIndex();
    expect(await repo.saveSearchIndex()).toBe(true);
    await repo.upsertBatch(users.slice(60).map((user) => ({ user, raw: {}, fetchedAt: 1 })));
    return { cache, repo, file: join(cache.dir, SNAPSHOT_FILE_NAME) };
  }

  it('saves what changed since the last save, so the next start reads it instead of building', async () => {
    // Quitting within seconds of a sync used to drop the waiting save: the
    // next start found the saved index stale and built it from the cache.
    const { cache, repo } = await changedSinceSaved();
    try {
      expect(await repo.stopSearchIndex({ saveWithinMs: 60_000 })).toBe(true);
      const { repo: next, log } = await started(cache);
      expect(fromSaved(log.lines)).toBe(true);
      expect(next.search(searchQuery({ limit: 1000 })).total).toBe(people().length);
      expectSameAnswers(next, createUsersRepo(cache, { now: () => 1 }));
    } finally {
      cache.close();
    }
  });

  it('writes nothing when nothing changed since the last save', async () => {
    const { cache, repo, file } = await changedSinceSaved();
    try {
      expect(await repo.saveSearchIndex()).toBe(true);
      const saved = readFileSync(file);
      expect(await repo.stopSearchIndex({ saveWithinMs: 60_000 })).toBe(false);
      expect(readFileSync(file).equals(saved)).toBe(true);
    } finally {
      cache.close();
    }
  });

  it('saves nothing when another program wrote what the index has not seen', async () => {
    // Saved then, the file would carry the cache's new fingerprint without that write.
    const { cache, repo, file } = await changedSinceSaved();
    try {
      const before = readFileSync(file);
      const { DatabaseSync } = await import('@photostructure/sqlite');
      const other = new DatabaseSync(cache.path);
      other
        .prepare(
          `UPDATE users SET search_text = 'zebra', sort_name = 'zebra' WHERE user_id = '1002'`,
        )
        .run();
      other.close();
      expect(await repo.stopSearchIndex({ saveWithinMs: 60_000 })).toBe(false);
      expect(readFileSync(file).equals(before)).toBe(true);
      const { repo: next, log } = await started(cache);
      expect(fromSaved(log.lines)).toBe(false);
      expect(next.search(searchQuery({ text: 'zebra' })).total).toBe(1);
    } finally {
      cache.close();
    }
  });

  it('gives the save up when its time runs out, leaving the older file and no partial one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { cache, repo, file } = await changedSinceSaved();
    try {
      const before = readFileSync(file);
      const stopping = repo.stopSearchIndex({ saveWithinMs: 2_500 });
      vi.advanceTimersByTime(2_500);
      expect(await stopping).toBe(false);
      expect(readFileSync(file).equals(before)).toBe(true);
      expect(readdirSync(cache.dir).filter((f) => f.includes(SNAPSHOT_FILE_NAME))).toEqual([
        SNAPSHOT_FILE_NAME,
      ]);
      // The older file is stale: the next start builds from the cache, with every user.
      vi.useRealTimers();
      const { repo: next, log } = await started(cache);
      expect(fromSaved(log.lines)).toBe(false);
      expect(next.search(searchQuery({ limit: 1000 })).total).toBe(people().length);
    } finally {
      vi.useRealTimers();
      cache.close();
    }
  });
});

describe('the saved index and the event loop', () => {
  /**
   * A save and a load over `cache` whose steps are written down: `fp` a look
   * at the users table's fingerprint (its count(*) reads a whole index),
   * `step` a step of the index's own export or import, `pause` a turn given back.
   */
  function recorded(cache: ReturnType<typeof openTestCache>, index: SearchIndex) {
    const steps: string[] = [];
    const access = usersAccess(cache, recordingLog());
    const stmt = access.stmt;
    access.stmt = (sql: string) => {
      if (sql === 'SELECT count(*) AS n FROM users') steps.push('fp');
      return stmt(sql);
    };
    const stepped = <T>(gen: Generator<void, T>): Generator<void, T> => {
      return (function* () {
        for (let r = gen.next(); ; r = gen.next()) {
          steps.push('step');
          if (r.done) return r.value;
          yield;
        }
      })();
    };
    const ctx: SnapshotContext = {
      access,
      index: {
        ...index,
        exportState: () => stepped(index.exportState()),
        importState: (state) => stepped(index.importState(state)),
      },
      budgetMs: 0,
      changes: () => 0,
      pause: async () => {
        steps.push('pause');
        await new Promise((resolve) => setImmediate(resolve));
        return true;
      },
    };
    return { steps, ctx };
  }

  it('looks at the fingerprint on a turn of its own, never with index work in the same turn', async () => {
    const cache = openTestCache();
    try {
      addConnectionRow(cache, 'conn-a', 'zulip');
      addConnectionRow(cache, 'conn-b', 'zulip');
      const index = createSearchIndex();
      const repo = createUsersRepo(cache, { now: () => 1, index });
      await repo.upsertBatch(people().map((user) => ({ user, raw: {}, fetchedAt: 1 })));
      await repo.buildSearchIndex();
      const save = recorded(cache, index);
      expect(await saveIndexSnapshot(save.ctx)).toBe(true);
      const load = recorded(cache, createSearchIndex());
      expect(await loadIndexSnapshot(load.ctx)).toBe(true);
      // A save starts from a timer: its first look waits for a turn too.
      expect(save.steps[0]).toBe('pause');
      for (const { steps } of [save, load]) {
        expect(steps.filter((s) => s === 'fp').length).toBeGreaterThan(1);
        expect(steps).toContain('step');
        // The turns: what runs between two pauses.
        const turns = steps.join(' ').split('pause');
        for (const turn of turns) {
          if (turn.includes('fp')) expect(turn.trim(), steps.join(' ')).not.toContain('step');
        }
      }
    } finally {
      cache.close();
    }
  });
});

describe('the bulk build of the index', () => {
  it('sorts its orders once at the end, with the same answers as merging row by row', async () => {
    const rows: IndexedRow[] = people().map((u, i) => ({ ...searchRowOf(u), rowId: i + 1 }));
    const merged = createSearchIndex();
    for (let i = 0; i < rows.length; i += 64) merged.upsert(rows.slice(i, i + 64));
    const bulk = createSearchIndex();
    bulk.deferOrdersToRebuild();
    let pauses = 0;
    for (let i = 0; i < rows.length; i += 64) bulk.upsert(rows.slice(i, i + 64));
    // Writes that land while it sorts wait and are merged at the end.
    const done = bulk.rebuildOrders(async () => {
      if (pauses++ === 1) {
        bulk.upsert([{ ...(rows[5] as IndexedRow), sortName: 'aaa first', joinedAt: 1 }]);
        merged.upsert([{ ...(rows[5] as IndexedRow), sortName: 'aaa first', joinedAt: 1 }]);
        bulk.remove([7]);
        merged.remove([7]);
      }
      await new Promise((resolve) => setImmediate(resolve));
      return true;
    }, 0);
    expect(await done).toBe(true);
    expect(pauses).toBeGreaterThan(1);
    for (const q of QUERIES) {
      const { offset: _o, limit: _l, ...spec } = q;
      expect(bulk.searchAll(spec)).toEqual(merged.searchAll(spec));
      expect(bulk.search(q)).toEqual(merged.search(q));
    }
  });
});

describe('reading a saved index file', () => {
  /** A file as a save writes it: magic, header length, header padded to 8, body. */
  function fileOf(headerChars: number, body: Uint8Array): Buffer {
    const json = Buffer.from(JSON.stringify({ pad: 'x'.repeat(headerChars) }), 'utf8');
    const head = Buffer.alloc(16 + json.byteLength + ((8 - (json.byteLength % 8)) % 8));
    head.write('RCSNAP01', 0, 'latin1');
    head.writeUInt32LE(json.byteLength, 8);
    json.copy(head, 16);
    return Buffer.concat([head, body]);
  }

  it('hashes exactly the body while reading it, wherever the steps fall', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-snapshot-read-'));
    try {
      const body = new Uint8Array(10_007).map((_, i) => (i * 131 + 7) & 0xff);
      const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
      for (const headerChars of [0, 5, 11, 300]) {
        for (const step of [7, 16, 100, 4096, 1 << 20]) {
          const file = join(dir, `s-${headerChars}-${step}`);
          const bytes = fileOf(headerChars, body);
          writeFileSync(file, bytes);
          const read = await readSnapshotFile(file, step);
          expect(Buffer.from(read?.bytes ?? [])).toEqual(bytes);
          expect(read?.sha256).toBe(sha(body));
          // One byte changed anywhere in the body, first or last step: another hash.
          for (const at of [bytes.length - body.length, bytes.length - 1]) {
            const bad = Buffer.from(bytes);
            bad[at] = (bad[at] as number) ^ 1;
            writeFileSync(file, bad);
            expect((await readSnapshotFile(file, step))?.sha256).not.toBe(sha(body));
          }
        }
      }
      writeFileSync(join(dir, 'short'), 'hello');
      expect((await readSnapshotFile(join(dir, 'short'), 2))?.sha256).toBeNull();
      expect(await readSnapshotFile(join(dir, 'missing'))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
