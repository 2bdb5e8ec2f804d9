// The specs the fakes and fixtures are built on are vendored into
// test/fixtures/specs so a clean clone tests on its own. Where the product's
// shared folder sits beside the repository, the copy must match it byte for
// byte, so a new Zulip API description or Open WebUI answer is not missed.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SHARED_SPECS_DIR, SPECS_DIR } from '../fakes/zulip-spec';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const shared = existsSync(SHARED_SPECS_DIR);
if (!shared) {
  console.warn(
    `[skipped] vendored specs check: ${SHARED_SPECS_DIR} is not beside this clone, so the copy in test/fixtures/specs is used as it is`,
  );
}

describe('the vendored specs', () => {
  it('hold the Zulip description and every Open WebUI answer', () => {
    const names = filesUnder(SPECS_DIR).map((f) => relative(SPECS_DIR, f));
    expect(names).toContain('zulip-openapi.yaml');
    expect(names).toContain('README.md');
    expect(names.filter((n) => n.startsWith('openwebui/')).length).toBeGreaterThanOrEqual(10);
  });

  it.skipIf(!shared)('match the shared folder byte for byte', () => {
    const theirs = filesUnder(SHARED_SPECS_DIR).map((f) => relative(SHARED_SPECS_DIR, f));
    const ours = filesUnder(SPECS_DIR).map((f) => relative(SPECS_DIR, f));
    expect(ours.sort()).toEqual(theirs.sort());
    for (const name of theirs) {
      const same = readFileSync(join(SPECS_DIR, name)).equals(
        readFileSync(join(SHARED_SPECS_DIR, name)),
      );
      expect({ name, same }).toEqual({ name, same: true });
    }
  });
});
