/**
 * Native modules (keytar, the SQLite bindings) load through `require()`,
 * never `import()`: inside app.asar, `import()` goes through Node's ESM
 * loader, whose asar support has regressed in Electron before, and both
 * packages are CommonJS anyway. Loaded lazily by their callers, so a missing
 * system library is an error in words, not a failed start.
 *
 * Node only; never imports `electron`.
 */
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/** The keytar module (its CommonJS exports). */
export function requireKeytar(): unknown {
  return requireHere('keytar');
}

/** `@photostructure/sqlite/experimental` (its CommonJS exports). */
export function requireSqliteExperimental(): unknown {
  return requireHere('@photostructure/sqlite/experimental');
}
