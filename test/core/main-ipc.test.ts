// main/ipc.ts with `electron` mocked: the module is Electron glue, but its
// sender check is security-critical, so it is tested here in plain Node.
import { vi } from 'vitest';
import { CHANNELS } from '@shared/contract';
import { isAppPageUrl } from '@core/app-page';

const registered = new Map<string, (event: unknown, arg: unknown) => Promise<unknown>>();

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, fn: (event: unknown, arg: unknown) => Promise<unknown>) => {
      if (registered.has(channel)) throw new Error(`second handler for ${channel}`);
      registered.set(channel, fn);
    },
    removeHandler: (channel: string) => registered.delete(channel),
  },
}));

const { registerIpc, REFUSED_SENDER } = await import('../../src-main/main/ipc');

function eventFrom(url: string, parent: unknown = null) {
  return { senderFrame: { url, parent } };
}

describe('main/ipc.ts', () => {
  const dispatched: [unknown, unknown][] = [];
  let unregister: () => void;

  beforeEach(() => {
    dispatched.length = 0;
    unregister = registerIpc(
      async (channel, arg) => {
        dispatched.push([channel, arg]);
        return { ok: true, value: 'ran' };
      },
      (url) => isAppPageUrl(url),
    );
  });
  afterEach(() => unregister());

  it('registers one handler per channel of the contract', () => {
    expect([...registered.keys()].sort()).toEqual([...CHANNELS].sort());
  });

  it("passes requests from the app's own page to the dispatcher", async () => {
    const answer = await registered.get('users:lookup')!(
      eventFrom('rollcall-app://app/index.html'),
      { x: 1 },
    );
    expect(answer).toEqual({ ok: true, value: 'ran' });
    expect(dispatched).toEqual([['users:lookup', { x: 1 }]]);
  });

  it.each([
    'https://evil.example/index.html',
    'http://127.0.0.1:5173/index.html',
    'file:///etc/passwd',
    'rollcall-app://other/index.html',
    'rollcall-avatar://c1/7',
    'about:blank',
    '',
  ])('refuses a sender at %s without running anything', async (url) => {
    for (const channel of CHANNELS) {
      const answer = await registered.get(channel)!(eventFrom(url), {});
      expect(answer).toEqual({ ok: false, error: REFUSED_SENDER });
    }
    expect(dispatched).toEqual([]);
  });

  it('refuses a subframe even on the app origin, and an event with no frame', async () => {
    const sub = await registered.get('app:info')!(
      eventFrom('rollcall-app://app/index.html', {}),
      {},
    );
    expect(sub).toEqual({ ok: false, error: REFUSED_SENDER });
    const none = await registered.get('app:info')!({ senderFrame: null }, {});
    expect(none).toEqual({ ok: false, error: REFUSED_SENDER });
    expect(dispatched).toEqual([]);
  });

  it('accepts the dev server only when one is configured', () => {
    expect(isAppPageUrl('http://localhost:5173/')).toBe(false);
    expect(isAppPageUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isAppPageUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isAppPageUrl('https://evil.example/', 'https://evil.example')).toBe(false);
  });
});
