import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT, launchChromium, openApp, type AppUnderTest } from './harness';
import { patientPolls } from './walk-helpers';

const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

describe('first screen through the real bridge and core', () => {
  let browser: Browser;
  let app: AppUnderTest;

  beforeAll(async () => {
    patientPolls();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
  });
  afterEach(async () => {
    await app?.close();
  });

  it('shows the version and data folder that app:info returned', async () => {
    app = await openApp({ browser });
    const { page } = app;
    await expect.poll(() => page.getByTestId('app-version').textContent()).toBe(version);
    expect(await page.getByTestId('data-folder').textContent()).toBe(app.userDataDir);

    const infoCall = app.calls.find((c) => c.channel === 'app:info');
    expect(infoCall?.result).toMatchObject({
      ok: true,
      value: { version, userDataDir: app.userDataDir },
    });

    const shot = await app.screenshot('first-screen');
    expect(existsSync(shot)).toBe(true);
    expect(readFileSync(shot).subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );

    // The page ran under the strict CSP without a single violation or error.
    expect(app.pageErrors).toEqual([]);
    expect(app.consoleLines.filter((l) => l.type === 'error')).toEqual([]);
  });

  it('runs under the production CSP header and exposes no Node to the page', async () => {
    app = await openApp({ browser });
    const { page } = app;
    const response = await page.request.get(`${app.origin}/index.html`);
    expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
    const globals = await page.evaluate(() => ({
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
      rollcallKeys: Object.keys(window.rollcall).sort(),
    }));
    expect(globals.require).toBe('undefined');
    expect(globals.process).toBe('undefined');
    expect(globals.rollcallKeys).toContain('lookupUser');
    // An inline script injected at run time is refused by the CSP.
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.appendChild(s);
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(ran).toBe(false);
  });

  it('answers a bad argument with INVALID_INPUT through the bridge', async () => {
    app = await openApp({ browser });
    const result = await app.page.evaluate(() =>
      window.rollcall.lookupUser({ connectionId: '../etc', ref: '' } as never),
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});
