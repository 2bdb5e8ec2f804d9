// `npm run readme:pictures`: copies the gallery's screenshots that the README
// shows into .github/readme/, so the pictures there are always ones the
// end-to-end tests took of the real window (run the gallery first:
// `npm test -- --vitest-only --project e2e test/e2e/gallery.test.ts`).
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const shots = join(root, 'test/e2e/screenshots');
const target = join(root, '.github/readme');

/** README picture ← the gallery scene it shows. */
const PICTURES = [
  ['directory-grid.png', 'gallery-grid-light.png'],
  ['directory-table.png', 'gallery-table-light.png'],
  ['bulk-selection.png', 'gallery-actions-selection-1280-light.png'],
  ['action-preview.png', 'gallery-actions-preview-1280-light.png'],
  ['profile-fields.png', 'gallery-detail-zulip-fields-light.png'],
  ['offline.png', 'gallery-offline-light.png'],
  ['add-zulip-connection.png', 'gallery-dialog-test-ok-light.png'],
  ['sync-progress.png', 'gallery-sync-progress-light.png'],
  ['directory-dark.png', 'gallery-grid-dark.png'],
];

const missing = PICTURES.filter(([, from]) => !existsSync(join(shots, from)));
if (missing.length > 0) {
  console.error(
    `Missing gallery screenshots: ${missing.map(([, f]) => f).join(', ')}.\n` +
      'Run the gallery first: npm test -- --vitest-only --project e2e test/e2e/gallery.test.ts',
  );
  process.exit(1);
}
mkdirSync(target, { recursive: true });
for (const [to, from] of PICTURES) copyFileSync(join(shots, from), join(target, to));
console.log(`Copied ${PICTURES.length} pictures into .github/readme/.`);
