// Child of secrets.test.ts: a second process that reads one Rollcall entry
// straight through keytar, then deletes it. Prints a hash of what it read
// (never the secret itself) and whether the delete found the entry.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const keytar = createRequire(import.meta.url)('keytar');
const account = process.argv[2];
const value = await keytar.getPassword('Rollcall', account);
const deleted = await keytar.deletePassword('Rollcall', account);
const again = await keytar.getPassword('Rollcall', account);
const sha256 = value === null ? null : createHash('sha256').update(value).digest('hex');
process.stdout.write(`${JSON.stringify({ sha256, deleted, again })}\n`);
