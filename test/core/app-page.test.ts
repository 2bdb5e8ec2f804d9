import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveAppFile, serveAppFile } from '@core/app-page';
import { CONTENT_SECURITY_POLICY, DEV_CONTENT_SECURITY_POLICY } from '@shared/csp';

const root = resolve(__dirname, '../..');

describe('serving the built window', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-app-files-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, '..', 'secret.json'), '{"k":1}');

  it('serves files inside the folder with the CSP header', async () => {
    const answer = await serveAppFile(dir, '/assets/app.js');
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type']).toMatch(/^text\/javascript/);
    expect(answer.headers['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(new TextDecoder().decode(answer.body)).toBe('console.log(1)');
    expect((await serveAppFile(dir, '/')).status).toBe(200);
  });

  it.each([
    '/../secret.json',
    '/assets/../../secret.json',
    '/%2e%2e/secret.json',
    '/assets%2f..%2f..%2fsecret.json',
    '/..%5csecret.json',
    '/index.html%00.js',
    '/../../../../../../etc/passwd.json',
    '/%E0%A4%A',
    '/assets/app.exe',
  ])('refuses %s', async (path) => {
    expect(resolveAppFile(dir, path)).toBeNull();
    const answer = await serveAppFile(dir, path);
    expect(answer.status).toBe(404);
  });

  it('answers 404 for a missing file', async () => {
    expect((await serveAppFile(dir, '/missing.js')).status).toBe(404);
  });
});

describe('the built window', () => {
  it('carries the strict CSP meta tag and nothing of the dev policy', () => {
    const html = readFileSync(join(root, 'out/renderer/index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toBe(CONTENT_SECURITY_POLICY);
    const assets = readdirSync(join(root, 'out/renderer/assets'));
    for (const file of ['index.html', ...assets.map((a) => `assets/${a}`)]) {
      const text = readFileSync(join(root, 'out/renderer', file), 'utf8');
      expect(text, file).not.toContain('unsafe-inline');
      expect(text, file).not.toContain(DEV_CONTENT_SECURITY_POLICY);
    }
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('has a sandboxed, context-isolated window with no Node integration', () => {
    const main = readFileSync(join(root, 'out/main/index.js'), 'utf8');
    expect(main).toMatch(/contextIsolation: true/);
    expect(main).toMatch(/sandbox: true/);
    expect(main).toMatch(/nodeIntegration: false/);
    expect(main).toMatch(/webSecurity: true/);
    expect(main).not.toMatch(
      /nodeIntegration: true|contextIsolation: false|sandbox: false|webSecurity: false/,
    );
  });
});
