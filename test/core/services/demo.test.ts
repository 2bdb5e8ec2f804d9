// Proves createDemoService on its own (real repositories over SQLite, a
// recording emit and `changed`, a stand-in connection list): the first load
// creates both offline demo connections with their users and tells the
// window once; a second load changes nothing; a demo the admin removed is
// loaded again; the answer is always the connection list the window shows.
import type { ConnectionSummary } from '@shared/model';
import { createDemoService, type DemoService } from '@core/services/demo';
import { DEMO_CONNECTION_IDS } from '@core/services/demo-directory';
import { openWorld, type World } from './service-fixtures';

let world: World;
beforeEach(() => {
  world = openWorld();
});
afterEach(() => world.close());

/** What the stand-in `listConnections` answers: marked so the test can tell it was passed on. */
const LISTED = [{ id: 'listed-by-the-connections-service' }] as unknown as ConnectionSummary[];

function harness(): { demo: DemoService; changed: (string | null)[]; listed: () => number } {
  const changed: (string | null)[] = [];
  let listed = 0;
  const demo = createDemoService({
    connections: world.connections,
    users: world.users,
    meta: world.meta,
    now: world.now,
    emit: world.events.emit,
    changed: (id) => changed.push(id),
    listConnections: async () => {
      listed++;
      return LISTED;
    },
  });
  return { demo, changed, listed: () => listed };
}

it('creates both demo connections with users, offline, and tells the window once', async () => {
  const { demo, changed, listed } = harness();
  expect(await demo.loadDemo()).toBe(LISTED);
  expect(listed()).toBe(1);
  expect(changed).toEqual([null]);
  for (const id of DEMO_CONNECTION_IDS) {
    const conn = world.connections.get(id);
    expect(conn).toMatchObject({ demo: true });
    expect(conn?.lastSync?.total).toBe(world.users.count(id));
    expect(world.users.count(id)).toBeGreaterThan(0);
    expect(world.meta.get(id, 'provider-context')).not.toBeNull();
  }
  expect(world.connections.get('demo-zulip')?.kind).toBe('zulip');
  expect(world.connections.get('demo-openwebui')?.kind).toBe('openwebui');
  expect(world.meta.getProfileFields('demo-zulip')?.value.length).toBeGreaterThan(0);
  // No key is ever saved for the demo.
  expect(await world.secrets.list()).toEqual([]);
  // Only pictures that need no network are kept.
  const sources = new Set(
    DEMO_CONNECTION_IDS.flatMap((id) =>
      world.users
        .listByConnection(id, { limit: 1000 })
        .items.map((u) => world.users.get(id, u.userId)?.user.avatar.kind),
    ),
  );
  expect([...sources].every((k) => k === 'none' || k === 'inline')).toBe(true);
  // Progress like a sync, ending done for each.
  const done = world.events.of('directory:sync-progress').filter((p) => p.phase === 'done');
  expect(done.map((p) => p.connectionId).sort()).toEqual([...DEMO_CONNECTION_IDS].sort());
});

it('changes nothing when the demo is already there', async () => {
  const { demo, changed } = harness();
  await demo.loadDemo();
  const before = DEMO_CONNECTION_IDS.map((id) => world.connections.get(id));
  const events = world.events.all.length;
  world.clock.advance(60_000);
  expect(await demo.loadDemo()).toBe(LISTED);
  expect(DEMO_CONNECTION_IDS.map((id) => world.connections.get(id))).toEqual(before);
  expect(world.events.all.length).toBe(events);
  expect(changed).toEqual([null]);
});

it('loads the demo again when the admin removed one of its connections', async () => {
  const { demo, changed } = harness();
  await demo.loadDemo();
  const zulipUsers = world.users.count('demo-zulip');
  await world.connections.remove('demo-openwebui');
  expect(world.connections.get('demo-openwebui')).toBeNull();
  world.clock.advance(60_000);
  await demo.loadDemo();
  expect(world.connections.get('demo-openwebui')).toMatchObject({ demo: true });
  expect(world.users.count('demo-openwebui')).toBeGreaterThan(0);
  expect(world.users.count('demo-zulip')).toBe(zulipUsers);
  expect(changed).toEqual([null, null]);
});

it('brings back a demo connection that was removed', async () => {
  const { demo } = harness();
  await demo.loadDemo();
  await world.connections.remove('demo-zulip');
  expect(world.connections.get('demo-zulip')).toBeNull();
  world.clock.advance(60_000);
  await demo.loadDemo();
  expect(world.connections.get('demo-zulip')).not.toBeNull();
  expect(world.users.count('demo-zulip')).toBeGreaterThan(0);
});
