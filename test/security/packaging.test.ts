// The packaged build's configuration, read the way electron-builder reads it
// (its own getConfig and schema check), so `npm run dist` cannot regress into:
// - compiling native modules from source: both are Node-API, so the binaries
//   built at install load in Electron as they are, and @electron/rebuild does
//   not recognise @photostructure/sqlite's prebuilds and would need a C++
//   toolchain (most Windows machines have none);
// - a .deb whose `depends` replaces electron-builder's defaults, which then
//   installs on a minimal system and cannot launch;
// - losing the fuses or the unpacked native binaries.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import FpmTarget from 'app-builder-lib/out/targets/FpmTarget';
import { DebugLogger } from 'builder-util';
import type { Configuration } from 'app-builder-lib';
import { ROOT } from '../e2e/harness';

/** electron-builder's own default .deb dependencies (libgtk, libnss, libsecret...). */
function defaultDebDepends(): string[] {
  const proto = FpmTarget.prototype as unknown as { getDefaultDepends(target: string): string[] };
  return proto.getDefaultDepends('deb');
}

/** The .deb's dependencies as FpmTarget computes them: linux options, then deb's, then defaults. */
function effectiveDebDepends(config: Configuration): string[] {
  const options = { ...(config.linux ?? {}), ...(config.deb ?? {}) } as {
    depends?: string[] | null;
  };
  return options.depends ?? defaultDebDepends();
}

describe('the packaged build (npm run dist)', () => {
  let config: Configuration;
  beforeAll(async () => {
    config = await getConfig(ROOT, null, null);
    await validateConfiguration(config, new DebugLogger(false));
  });

  it('does not rebuild native modules: keytar and the SQLite bindings are Node-API', () => {
    expect(config.npmRebuild).toBe(false);
    for (const name of ['keytar', '@photostructure/sqlite']) {
      const manifest = JSON.parse(
        readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { dependencies?: Record<string, string> };
      // Built on node-addon-api, the C++ face of Node-API (ABI-stable across Node and Electron).
      expect(manifest.dependencies?.['node-addon-api'], name).toBeTruthy();
    }
  });

  it("keeps electron-builder's default .deb dependencies, libsecret included", () => {
    const defaults = defaultDebDepends();
    expect(defaults).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnss3', 'libsecret-1-0']));
    expect(effectiveDebDepends(config)).toEqual(expect.arrayContaining(defaults));
  });

  it('fails the check above when a depends override drops the defaults (the check can fail)', () => {
    const broken = { ...config, deb: { depends: ['libsecret-1-0'] } } as Configuration;
    expect(effectiveDebDepends(broken)).not.toEqual(expect.arrayContaining(defaultDebDepends()));
  });

  it('unpacks native binaries from the asar and sets the fuses', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toContain('**/*.node');
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
  });
});
