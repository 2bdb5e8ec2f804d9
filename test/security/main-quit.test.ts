// The quit path (src-main/main/quit.ts) in the order Electron runs it: the
// first will-quit is held, core closes, and only then does the app exit; a
// close that hangs or fails still ends in an exit, and a second will-quit
// while closing starts no second close.
import { closeBeforeQuit, type QuittingApp } from '../../src-main/main/quit';
import { createLogger } from '@core/log';

function fakeApp() {
  let listener: ((event: { preventDefault(): void }) => void) | null = null;
  const order: string[] = [];
  const app: QuittingApp = {
    on: (_event, fn) => {
      listener = fn;
    },
    exit: (code) => {
      order.push(`exit ${code ?? 0}`);
    },
  };
  const quit = (): boolean => {
    let prevented = false;
    listener?.({ preventDefault: () => (prevented = true) });
    return prevented;
  };
  return { app, order, quit };
}

describe('quitting', () => {
  it('holds the quit, closes core, then exits', async () => {
    const { app, order, quit } = fakeApp();
    let finish: () => void = () => {};
    closeBeforeQuit(
      app,
      () => {
        order.push('close started');
        return new Promise<void>((r) => (finish = r));
      },
      createLogger(() => {}),
    );
    expect(quit()).toBe(true);
    expect(order).toEqual(['close started']);
    // A second quit while closing is held too, and closes nothing again.
    expect(quit()).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['close started']);
    finish();
    await vi.waitFor(() => expect(order).toEqual(['close started', 'exit 0']), { timeout: 20_000 });
  });

  it('exits after the bound when closing hangs, and says so in the log', async () => {
    const { app, order, quit } = fakeApp();
    const lines: string[] = [];
    closeBeforeQuit(
      app,
      () => new Promise<void>(() => {}),
      createLogger((l) => lines.push(l)),
      50,
    );
    quit();
    await vi.waitFor(() => expect(order).toEqual(['exit 0']), { timeout: 20_000 });
    expect(lines.join('\n')).toMatch(/quitting before the cache finished closing/);
  });

  it('exits with a failure code when closing throws, and logs why', async () => {
    const { app, order, quit } = fakeApp();
    const lines: string[] = [];
    closeBeforeQuit(
      app,
      async () => {
        throw new Error('disk gone');
      },
      createLogger((l) => lines.push(l)),
    );
    quit();
    await vi.waitFor(() => expect(order).toEqual(['exit 1']), { timeout: 20_000 });
    expect(lines.join('\n')).toMatch(/disk gone/);
  });
});
