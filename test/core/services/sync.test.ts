// Proves createSyncService on its own (real users, meta and connections
// repositories over SQLite, the in-memory keychain, a stand-in provider whose
// directory pages come from an async generator the test steps through):
// progress events go through their phases in order with `done` never going
// back; the counts of added, updated, unchanged and gone users; a second
// sync call joins the running one; a cancel mid-way ends CANCELLED and marks
// nobody gone; a failure mid-way reports `failed` and the server offline; the
// provider's rate-limit wait shows as a `waiting` phase; the demo syncs
// without a provider.
import type { SyncProgress, SyncSummary } from '@shared/model';
import type { CallOptions, DirectoryPage, FetchedUser } from '@core/providers';
import { createSyncService, type SyncService } from '@core/services/sync';
import { toWrite } from '@core/services/user-writes';
import {
  deferred,
  failure,
  fetched,
  openWorld,
  page,
  providersWith,
  rejection,
  saveDemoZulip,
  saveZulip,
  standInProvider,
  zulipContext,
  type StandInAnswers,
  type StandInProvider,
  type World,
} from './service-fixtures';

let world: World;
beforeEach(async () => {
  world = openWorld();
  await saveZulip(world, { id: 'conn-z' });
});
afterEach(async () => {
  await service?.stopAll();
  service = undefined;
  world.close();
});

let service: SyncService | undefined;
let changed: (string | null)[];

function harness(answers: StandInAnswers = {}): { sync: SyncService; zulip: StandInProvider } {
  const zulip = standInProvider('zulip', answers);
  changed = [];
  service = createSyncService({
    access: world.access,
    providers: providersWith(zulip),
    connections: world.connections,
    users: world.users,
    meta: world.meta,
    contexts: world.contexts,
    reachability: world.reachability,
    emit: world.events.emit,
    now: world.now,
    changed: (id) => changed.push(id),
  });
  return { sync: service, zulip };
}

const CONTEXT = zulipContext(100);

/** Users `from`..`to` of conn-z, named `User <id>` unless renamed. */
function users(from: number, to: number, rename: Record<number, string> = {}): FetchedUser[] {
  const out: FetchedUser[] = [];
  for (let i = from; i <= to; i++) {
    out.push(fetched('conn-z', String(i), rename[i] ? { name: rename[i] } : {}));
  }
  return out;
}

/** A provider yielding these pages, then ending. */
function pages(...list: DirectoryPage[]): StandInAnswers {
  return {
    async *fetchDirectory() {
      for (const p of list) yield p;
    },
  };
}

/** Puts users in the cache as an earlier sync would have, then moves the clock on. */
function cacheEarlier(list: FetchedUser[]): void {
  for (const f of list) world.users.upsert(toWrite(f, world.now()), world.now());
  world.clock.advance(60_000);
}

function progress(): SyncProgress[] {
  return world.events.of('directory:sync-progress').filter((p) => p.connectionId === 'conn-z');
}

/** The phases the window saw, each run of repeats once. */
function phases(): string[] {
  return progress()
    .map((p) => p.phase)
    .filter((phase, i, all) => i === 0 || all[i - 1] !== phase);
}

/** Resolves once `signal` aborts. */
function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal || signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

describe('a complete sync', () => {
  it('goes through its phases in order, with done never going back', async () => {
    const { sync } = harness({
      async *fetchDirectory() {
        world.clock.advance(100);
        yield page(users(1, 3), 3, 5, CONTEXT);
        world.clock.advance(100);
        yield page(users(4, 5), 5, 5, CONTEXT);
      },
    });
    const summary = await sync.sync({ connectionId: 'conn-z' });
    expect(phases()).toEqual([
      'starting',
      'fetching',
      'writing',
      'fetching',
      'writing',
      'fetching',
      'reconciling',
      'done',
    ]);
    const done = progress().map((p) => p.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(progress().at(-1)).toMatchObject({
      phase: 'done',
      done: 5,
      total: 5,
      error: null,
      summary,
    });
    expect(progress().filter((p) => p.phase === 'done')).toHaveLength(1);
  });

  it('finishes past members it could not read, counts them and keeps them from gone (issue 13)', async () => {
    cacheEarlier(users(1, 4));
    const reason = 'its user_id "3" is not a whole number from 1 up';
    const { sync } = harness(
      pages(
        page(users(1, 1), 1, 3, CONTEXT, { count: 1, firstReason: reason, ids: ['3'] }),
        page(users(2, 2), 2, 3, CONTEXT, { count: 2, firstReason: reason, ids: ['3', '-9'] }),
      ),
    );
    const summary = await sync.sync({ connectionId: 'conn-z' });
    expect(summary).toMatchObject({ total: 2, gone: 1, unreadable: 2, unreadableReason: reason });
    // 3 was listed but unreadable: still there. 4 was not listed at all: gone.
    expect(world.users.get('conn-z', '3')?.goneAt).toBeNull();
    expect(world.users.get('conn-z', '4')?.goneAt).toBe(world.now());
    expect(world.connections.get('conn-z')?.lastSync).toEqual(summary);
    expect(progress().at(-1)).toMatchObject({
      phase: 'done',
      message: `Synced 2 users: 0 new, 0 updated, 1 gone. 2 users could not be read (first: ${reason}); the rest were synced.`,
    });
  });

  it('counts added, updated, unchanged and gone users, and records the sync', async () => {
    cacheEarlier(users(1, 3));
    const { sync } = harness(
      pages(page([...users(1, 2, { 1: 'Renamed' }), ...users(4, 4)], 3, 3, CONTEXT)),
    );
    const startedAt = world.now();
    const summary = await sync.sync({ connectionId: 'conn-z' });
    expect(summary).toEqual({
      added: 1,
      updated: 1,
      unchanged: 1,
      gone: 1,
      total: 3,
      startedAt,
      finishedAt: world.now(),
      unreadable: 0,
      unreadableReason: null,
    });
    expect(world.users.get('conn-z', '1')?.user.name).toBe('Renamed');
    expect(world.users.get('conn-z', '3')?.goneAt).toBe(world.now());
    expect(world.users.get('conn-z', '4')?.goneAt).toBeNull();
    expect(world.connections.get('conn-z')).toMatchObject({
      lastSync: summary,
      lastSyncAt: summary.finishedAt,
    });
    expect(world.reachability.get('conn-z').state).toBe('online');
    expect(world.contexts.get('conn-z')).toEqual(CONTEXT);
  });

  it('asks the provider with the saved key and a signal', async () => {
    const { sync, zulip } = harness(pages(page(users(1, 1), 1, 1, CONTEXT)));
    await sync.sync({ connectionId: 'conn-z' });
    expect(zulip.calls.fetchDirectory).toHaveLength(1);
    expect(zulip.calls.fetchDirectory[0]?.session).toMatchObject({
      connectionId: 'conn-z',
      secret: 'zulip-key-123456',
    });
    expect(zulip.calls.fetchDirectory[0]?.options.signal).toBeInstanceOf(AbortSignal);
  });

  it('tells the window when it starts and ends, and is running only meanwhile', async () => {
    const release = deferred();
    const { sync } = harness({
      async *fetchDirectory() {
        await release.promise;
        yield page(users(1, 1), 1, 1, CONTEXT);
      },
    });
    const running = sync.sync({ connectionId: 'conn-z' });
    expect(sync.isRunning('conn-z')).toBe(true);
    expect(changed).toEqual(['conn-z']);
    release.resolve();
    await running;
    expect(sync.isRunning('conn-z')).toBe(false);
    expect(changed).toEqual(['conn-z', 'conn-z']);
  });
});

describe('a second sync call', () => {
  it('joins the running one: one fetch, one answer', async () => {
    const release = deferred();
    const { sync, zulip } = harness({
      async *fetchDirectory() {
        await release.promise;
        yield page(users(1, 2), 2, 2, CONTEXT);
      },
    });
    const first = sync.sync({ connectionId: 'conn-z' });
    const second = sync.sync({ connectionId: 'conn-z' });
    release.resolve();
    const [a, b] = await Promise.all([first, second]);
    expect(b).toEqual(a);
    expect(zulip.calls.fetchDirectory).toHaveLength(1);
    expect(progress().filter((p) => p.phase === 'starting')).toHaveLength(1);
  });

  it('after the first has ended starts a new sync', async () => {
    const { sync, zulip } = harness(pages(page(users(1, 1), 1, 1, CONTEXT)));
    await sync.sync({ connectionId: 'conn-z' });
    world.clock.advance(1000);
    const again = await sync.sync({ connectionId: 'conn-z' });
    expect(zulip.calls.fetchDirectory).toHaveLength(2);
    expect(again).toMatchObject({ added: 0, unchanged: 1, gone: 0 });
  });
});

describe('cancelling', () => {
  it('mid-way ends CANCELLED, keeps what was written, and marks nobody gone', async () => {
    cacheEarlier(users(10, 11));
    const askedForMore = deferred();
    const { sync } = harness({
      async *fetchDirectory(_session, options: CallOptions) {
        yield page(users(1, 2), 2, 4, CONTEXT);
        askedForMore.resolve();
        await aborted(options.signal);
        throw failure('OFFLINE', 'the request was aborted');
      },
    });
    const running = sync.sync({ connectionId: 'conn-z' });
    await askedForMore.promise;
    expect(await sync.cancel({ connectionId: 'conn-z' })).toEqual({ cancelled: true });
    const error = await rejection(running);
    expect(error).toMatchObject({ code: 'CANCELLED' });
    expect(progress().at(-1)).toMatchObject({ phase: 'cancelled', error: { code: 'CANCELLED' } });
    expect(world.users.get('conn-z', '1')).not.toBeNull();
    expect(world.users.get('conn-z', '10')?.goneAt).toBeNull();
    expect(world.users.get('conn-z', '11')?.goneAt).toBeNull();
    expect(world.connections.get('conn-z')?.lastSync).toBeNull();
    // Cancelling is not a sign the server is down.
    expect(world.reachability.get('conn-z').state).toBe('online');
    expect(sync.isRunning('conn-z')).toBe(false);
  });

  it('ends CANCELLED even when the provider finishes after the cancel', async () => {
    cacheEarlier(users(10, 10));
    const askedForMore = deferred();
    const finish = deferred();
    const { sync } = harness({
      async *fetchDirectory() {
        yield page(users(1, 1), 1, 1, CONTEXT);
        askedForMore.resolve();
        await finish.promise;
      },
    });
    const running = sync.sync({ connectionId: 'conn-z' });
    await askedForMore.promise;
    const cancelled = sync.cancel({ connectionId: 'conn-z' });
    finish.resolve();
    expect(await cancelled).toEqual({ cancelled: true });
    expect((await rejection(running)).code).toBe('CANCELLED');
    expect(world.users.get('conn-z', '10')?.goneAt).toBeNull();
  });

  it('is a no-op when nothing runs', async () => {
    const { sync } = harness();
    expect(await sync.cancel({ connectionId: 'conn-z' })).toEqual({ cancelled: false });
  });

  it('stopAll ends every running sync', async () => {
    await saveZulip(world, { id: 'conn-y' });
    const { sync } = harness({
      // eslint-disable-next-line require-yield
      async *fetchDirectory(_session, options: CallOptions) {
        await aborted(options.signal);
        throw failure('CANCELLED');
      },
    });
    const a = sync.sync({ connectionId: 'conn-z' }).catch((e: unknown) => e);
    const b = sync.sync({ connectionId: 'conn-y' }).catch((e: unknown) => e);
    await sync.stopAll();
    expect(sync.isRunning('conn-z')).toBe(false);
    expect(sync.isRunning('conn-y')).toBe(false);
    expect(await a).toMatchObject({ error: { code: 'CANCELLED' } });
    expect(await b).toMatchObject({ error: { code: 'CANCELLED' } });
  });
});

describe('a failure mid-way', () => {
  it('reports failed, marks the server offline, and marks nobody gone', async () => {
    cacheEarlier(users(10, 10));
    const { sync } = harness({
      async *fetchDirectory() {
        yield page(users(1, 2), 2, 4, CONTEXT);
        throw failure('OFFLINE');
      },
    });
    const error = await rejection(sync.sync({ connectionId: 'conn-z' }));
    expect(error.code).toBe('OFFLINE');
    expect(progress().at(-1)).toMatchObject({
      phase: 'failed',
      error: { code: 'OFFLINE' },
      summary: null,
    });
    expect(world.reachability.get('conn-z')).toMatchObject({
      state: 'offline',
      error: { code: 'OFFLINE' },
    });
    expect(world.users.get('conn-z', '2')).not.toBeNull();
    expect(world.users.get('conn-z', '10')?.goneAt).toBeNull();
    expect(world.connections.get('conn-z')?.lastSync).toBeNull();
    expect(sync.isRunning('conn-z')).toBe(false);
  });

  it('before any page (no key saved) reports failed without asking the provider', async () => {
    await world.secrets.delete('conn-z');
    const { sync, zulip } = harness(pages());
    const error = await rejection(sync.sync({ connectionId: 'conn-z' }));
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', field: 'secret' });
    expect(zulip.calls.fetchDirectory).toEqual([]);
    expect(progress().at(-1)?.phase).toBe('failed');
  });
});

describe('the rate limit', () => {
  it('shows the provider’s wait as a waiting phase with the seconds it lasts', async () => {
    const { sync } = harness({
      async *fetchDirectory(_session, options: CallOptions) {
        options.onWait?.(2.5);
        world.clock.advance(2500);
        yield page(users(1, 1), 1, 1, CONTEXT);
      },
    });
    await sync.sync({ connectionId: 'conn-z' });
    expect(phases()).toEqual([
      'starting',
      'fetching',
      'waiting',
      'writing',
      'fetching',
      'reconciling',
      'done',
    ]);
    const waiting = progress().find((p) => p.phase === 'waiting');
    expect(waiting).toMatchObject({ retryAfterSeconds: 2.5 });
    expect(waiting?.message).toContain('3 s');
    const after = progress().find((p) => p.phase === 'writing');
    expect(after?.retryAfterSeconds).toBeNull();
  });
});

describe('connections it will not sync', () => {
  it('a connection whose key the keychain lost is UNAUTHORIZED on field secret', async () => {
    await world.secrets.delete('conn-z');
    const { sync, zulip } = harness(pages());
    expect(await rejection(sync.sync({ connectionId: 'conn-z' }))).toMatchObject({
      code: 'UNAUTHORIZED',
      field: 'secret',
    });
    expect(zulip.calls.fetchDirectory).toEqual([]);
  });

  it('a connection that does not exist is NOT_FOUND', async () => {
    const { sync } = harness();
    expect((await rejection(sync.sync({ connectionId: 'conn-gone' }))).code).toBe('NOT_FOUND');
  });
});

describe('the demo', () => {
  it('is generated again without asking any provider', async () => {
    await saveDemoZulip(world);
    const { sync, zulip } = harness();
    const summary: SyncSummary = await sync.sync({ connectionId: 'demo-zulip' });
    expect(summary.total).toBeGreaterThan(0);
    expect(summary.added).toBe(summary.total);
    expect(world.users.count('demo-zulip')).toBe(summary.total);
    expect(zulip.calls.fetchDirectory).toEqual([]);
    const demoProgress = world.events
      .of('directory:sync-progress')
      .filter((p) => p.connectionId === 'demo-zulip');
    expect(demoProgress.at(-1)).toMatchObject({ phase: 'done', summary });
    expect(sync.isRunning('demo-zulip')).toBe(false);
  });

  it('says a cancel calmly, as a real sync does, and keeps what was written', async () => {
    await saveDemoZulip(world);
    const { sync } = harness();
    const running = rejection(sync.sync({ connectionId: 'demo-zulip' }));
    expect(await sync.cancel({ connectionId: 'demo-zulip' })).toEqual({ cancelled: true });
    expect((await running).code).toBe('CANCELLED');
    const last = world.events
      .of('directory:sync-progress')
      .filter((p) => p.connectionId === 'demo-zulip')
      .at(-1);
    expect(last).toMatchObject({ phase: 'cancelled', error: { code: 'CANCELLED' } });
    expect(sync.isRunning('demo-zulip')).toBe(false);
  });
});
