// Proves createProviderContexts on its own over a real meta repository: a
// context is read back after it is stored (also by a fresh repository over
// the same file, so it really reached SQLite), a second context with the same
// fetchedAt is not written again, a newer one replaces it, and a Zulip
// context also writes the profile field definitions (Open WebUI's does not).
import { createMetaRepo } from '@core/store/meta-repo';
import { addConnectionRow } from '../cache-fixtures';
import {
  fieldDefinition,
  openWebUIContext,
  openWorld,
  zulipContext,
  type World,
} from './service-fixtures';

let world: World;
beforeEach(() => {
  world = openWorld();
  addConnectionRow(world.cache, 'conn-z', 'zulip');
  addConnectionRow(world.cache, 'conn-o', 'openwebui');
});
afterEach(() => world.close());

/** The stored context as a repository with no memory of its own reads it from the file. */
function fromFile(connectionId: string): unknown {
  return createMetaRepo(world.cache, { now: world.now }).get(connectionId, 'provider-context')
    ?.value;
}

it('has no context for a connection until one is stored', () => {
  expect(world.contexts.get('conn-z')).toBeNull();
});

it('stores a context and reads it back, from memory and from the file', async () => {
  const context = zulipContext(1000, [fieldDefinition('1', 'Team', 1)]);
  await world.contexts.store('conn-z', context);
  expect(world.contexts.get('conn-z')).toEqual(context);
  expect(fromFile('conn-z')).toEqual(context);
  expect(world.contexts.get('conn-o')).toBeNull();
});

it('stores once per fetchedAt: an equal stamp is not written again', async () => {
  const first = zulipContext(1000, [fieldDefinition('1', 'Team', 1)]);
  await world.contexts.store('conn-z', first);
  const writtenAt = world.meta.get('conn-z', 'provider-context')?.updatedAt;
  world.clock.advance(5000);
  const sameStamp = zulipContext(1000, [fieldDefinition('2', 'Office', 2)]);
  await world.contexts.store('conn-z', sameStamp);
  expect(world.contexts.get('conn-z')).toEqual(first);
  expect(fromFile('conn-z')).toEqual(first);
  expect(world.meta.get('conn-z', 'provider-context')?.updatedAt).toBe(writtenAt);
  expect(world.meta.getProfileFields('conn-z')?.value.map((f) => f.name)).toEqual(['Team']);
});

it('replaces the context when a newer one comes', async () => {
  await world.contexts.store('conn-z', zulipContext(1000, [fieldDefinition('1', 'Team', 1)]));
  const newer = zulipContext(2000, [fieldDefinition('2', 'Office', 2)]);
  await world.contexts.store('conn-z', newer);
  expect(world.contexts.get('conn-z')).toEqual(newer);
  expect(fromFile('conn-z')).toEqual(newer);
});

it('writes a Zulip context’s profile fields, stamped with its fetchedAt', async () => {
  const definitions = [fieldDefinition('1', 'Team', 1), fieldDefinition('2', 'Office', 2)];
  await world.contexts.store('conn-z', zulipContext(1234, definitions));
  expect(world.meta.getProfileFields('conn-z')).toEqual({ value: definitions, updatedAt: 1234 });
});

it('writes no profile fields for an Open WebUI context', async () => {
  const context = openWebUIContext(1000, { g1: 'Engineering' });
  await world.contexts.store('conn-o', context);
  expect(world.contexts.get('conn-o')).toEqual(context);
  expect(world.meta.getProfileFields('conn-o')).toBeNull();
});

it('keeps each connection’s context apart', async () => {
  await world.contexts.store('conn-z', zulipContext(1000));
  await world.contexts.store('conn-o', openWebUIContext(2000));
  expect(world.contexts.get('conn-z')?.kind).toBe('zulip');
  expect(world.contexts.get('conn-o')?.kind).toBe('openwebui');
});
