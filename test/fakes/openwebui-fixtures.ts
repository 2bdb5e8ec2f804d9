/**
 * The Open WebUI fixture files of shared/specs/openwebui: what a real 0.12
 * server answers, used as parse fixtures and as the shapes the fake must
 * match.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SPECS_DIR } from './zulip-spec';

/** Where the captured Open WebUI answers live. */
const OPENWEBUI_FIXTURES_DIR = resolve(SPECS_DIR, 'openwebui');

/** One fixture file, parsed. */
export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(resolve(OPENWEBUI_FIXTURES_DIR, name), 'utf8')) as unknown;
}

/** Every fixture file's name. */
export function fixtureNames(): string[] {
  return readdirSync(OPENWEBUI_FIXTURES_DIR)
    .filter((n) => n.endsWith('.json'))
    .sort();
}

/** The HTTP status each error fixture is sent with (from its name: error_401_...). */
export function fixtureStatus(name: string): number {
  const m = /^error_(\d{3})_/.exec(name);
  if (!m) throw new Error(`${name} is not an error fixture`);
  return Number(m[1]);
}
