/**
 * Writing an export to the place the admin chose: into a partial file that
 * is renamed into place only when complete, so a failed export never leaves
 * half a file under the chosen name, and a place that cannot be written (a
 * folder that cannot be made, a name that is a folder) says so in words.
 * The directory export and the audit log export both write through it.
 *
 * Node only; never imports `electron`.
 */
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fail, toRollcallError } from '@shared/errors';

/** Writes `path` with `write` (which returns how many items it wrote), all or nothing. */
export async function writeExportFile(
  path: string,
  write: (file: FileHandle) => Promise<number>,
): Promise<number> {
  const tmp = `${path}.rollcall-partial`;
  let count = 0;
  try {
    await mkdir(dirname(path), { recursive: true });
    const file = await open(tmp, 'w');
    try {
      count = await write(file);
      await file.sync();
    } finally {
      await file.close().catch(() => {});
    }
    await rename(tmp, path);
  } catch (thrown) {
    await rm(tmp, { force: true }).catch(() => {});
    const error = toRollcallError(thrown);
    if (error.code !== 'INTERNAL') throw thrown;
    fail('INVALID_INPUT', `Rollcall could not write ${path}. Choose another place.`);
  }
  return count;
}
