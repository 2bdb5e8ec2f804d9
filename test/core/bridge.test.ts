import { createBridge, type RawInvoke } from '@shared/bridge';
import { CHANNELS, EVENT_NAMES, contract, events } from '@shared/contract';

describe('createBridge', () => {
  it('gives each channel a method that invokes exactly that channel', async () => {
    const seen: [string, unknown][] = [];
    const invoke: RawInvoke = async (channel, arg) => {
      seen.push([channel, arg]);
      return { ok: true, value: channel };
    };
    const api = createBridge(invoke, () => () => {}) as unknown as Record<
      string,
      (a?: unknown) => Promise<unknown>
    >;
    for (const channel of CHANNELS) {
      const result = await api[contract[channel].method]!({ probe: channel });
      expect(result).toEqual({ ok: true, value: channel });
    }
    expect(seen.map(([c]) => c)).toEqual(CHANNELS);
    expect(seen.every(([c, a]) => (a as { probe: string }).probe === c)).toBe(true);
  });

  it('passes {} when a method is called without an argument', async () => {
    let arg: unknown = 'unset';
    const api = createBridge(
      async (_c, a) => ((arg = a), { ok: true, value: null }),
      () => () => {},
    );
    await api.appInfo();
    expect(arg).toEqual({});
  });

  it('turns a failed or malformed answer into an INTERNAL error value', async () => {
    const broken = createBridge(
      async () => {
        throw new Error('IPC down');
      },
      () => () => {},
    );
    expect(await broken.listConnections()).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL' },
    });
    const malformed = createBridge(
      async () => ({ hello: 1 }),
      () => () => {},
    );
    expect(await malformed.listConnections()).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL' },
    });
    const fakeError = createBridge(
      async () => ({ ok: false, error: { code: 'NOPE', message: 'x' } }),
      () => () => {},
    );
    expect(await fakeError.listConnections()).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL' },
    });
  });

  it('subscribes each event method to its own event and unsubscribes', () => {
    const subscribed: string[] = [];
    let unsubscribed = 0;
    const api = createBridge(
      async () => ({ ok: true, value: null }),
      (event, listener) => {
        subscribed.push(event);
        listener({ from: event });
        return () => {
          unsubscribed++;
        };
      },
    ) as unknown as Record<string, (l: (p: unknown) => void) => () => void>;
    for (const name of EVENT_NAMES) {
      const got: unknown[] = [];
      const off = api[events[name].method]!((p) => got.push(p));
      expect(got).toEqual([{ from: name }]);
      off();
    }
    expect(subscribed).toEqual(EVENT_NAMES);
    expect(unsubscribed).toBe(EVENT_NAMES.length);
  });

  it('builds avatar URLs on the avatar protocol, escaping each part', () => {
    const api = createBridge(
      async () => null,
      () => () => {},
    );
    expect(api.avatarUrl('c1', 'a/b?c', 'k 1')).toBe(
      'rollcall-avatar://avatars/c1/a%2Fb%3Fc?v=k%201',
    );
    const test = createBridge(
      async () => null,
      () => () => {},
      { avatarBase: 'http://127.0.0.1:1/__avatar/' },
    );
    expect(test.avatarUrl('c1', '7')).toBe('http://127.0.0.1:1/__avatar/c1/7');
  });

  it('is frozen so the page cannot swap a method', () => {
    const api = createBridge(
      async () => null,
      () => () => {},
    );
    expect(Object.isFrozen(api)).toBe(true);
  });
});
