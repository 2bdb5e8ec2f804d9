/**
 * What "inert or a clear error" means, as checks the security tests share:
 * an error is a known code with a sentence (no stack, no secret, no
 * INTERNAL); a cached user holds only safe URLs and redacted credentials;
 * a picture served to the window is a raster image or nothing; and the
 * cache file passes SQLite's own integrity check.
 */
import { DatabaseSync } from '@photostructure/sqlite';
import { sniffImageType } from '@core/net/avatar-fetch';
import type { FileAnswer } from '@core/app-page';
import { ERROR_CODES, isRollcallError, type RollcallError } from '@shared/errors';
import type { JsonValue, UserRecord } from '@shared/model';

/** Why an error is not a clear one, or null when it is. */
export function unclearError(error: unknown): string | null {
  if (!isRollcallError(error)) return `not a RollcallError: ${safeJson(error).slice(0, 200)}`;
  const e: RollcallError = error;
  if (!(ERROR_CODES as readonly string[]).includes(e.code)) return `unknown code ${e.code}`;
  if (e.code === 'INTERNAL') return `INTERNAL: ${e.message}`;
  if (e.message.trim().length < 10) return `message too short: "${e.message}"`;
  if (e.message.length > 1200) return `message of ${e.message.length} characters`;
  if (/\n\s+at\s|\[object Object\]|\bundefined\b|\bNaN\b/.test(e.message)) {
    return `message looks like a leak of internals: ${e.message.slice(0, 200)}`;
  }
  if (
    e.serverMessage !== undefined &&
    (typeof e.serverMessage !== 'string' || e.serverMessage.length > 500)
  ) {
    return 'serverMessage is not a short string';
  }
  if (e.url !== undefined && !/^https?:\/\/[^/@\s]+(\/|$)/.test(e.url))
    return `unsafe url ${e.url}`;
  return null;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isSafeHttp(url: string): boolean {
  try {
    const u = new URL(url);
    return (
      (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === ''
    );
  } catch {
    return false;
  }
}

function depthOf(value: JsonValue, limit: number): number {
  // Iterative: the point is to measure values too deep for recursion.
  let max = 0;
  const stack: [JsonValue, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > limit) return max;
    if (Array.isArray(v)) for (const x of v) stack.push([x, d + 1]);
    else if (v !== null && typeof v === 'object')
      for (const x of Object.values(v)) stack.push([x, d + 1]);
  }
  return max;
}

/** Why a cached user is unsafe to hand to the window, or null when it is safe. */
export function unsafeUser(record: UserRecord, secrets: readonly string[] = []): string | null {
  const u = record.user;
  if (typeof u.name !== 'string') return 'name is not text';
  const a = u.avatar;
  if (a.kind === 'server' || a.kind === 'external') {
    if (!isSafeHttp(a.url)) return `avatar URL ${a.url.slice(0, 80)} is not plain http(s)`;
  } else if (a.kind === 'inline') {
    if (!/^data:image\/[a-z0-9.+-]+[;,]/i.test(a.dataUrl)) return 'inline avatar is not an image';
  } else if (a.kind !== 'none') {
    return 'unknown avatar kind';
  }
  for (const f of u.profileFields) {
    if (f.url !== null && !isSafeHttp(f.url))
      return `field ${f.fieldId} links to ${f.url.slice(0, 80)}`;
  }
  if (depthOf(record.raw, 80) > 80) return 'raw payload nests deeper than 80 levels';
  if (depthOf(u.extra as JsonValue, 80) > 80) return 'extra nests deeper than 80 levels';
  const text = JSON.stringify(record);
  for (const s of secrets) if (text.includes(s)) return `holds the secret ${s.slice(0, 6)}…`;
  return null;
}

/** Why a picture answer is unsafe for the window, or null when it is a raster image or nothing. */
export function unsafePicture(answer: FileAnswer): string | null {
  if (answer.status === 204) return answer.body.byteLength === 0 ? null : '204 with a body';
  if (answer.status !== 200) return `status ${answer.status}`;
  const type = answer.headers['Content-Type'] ?? '';
  const sniffed = sniffImageType(answer.body);
  if (!sniffed) return `bytes are not a raster image (declared ${type})`;
  if (sniffed !== type) return `declared ${type}, bytes are ${sniffed}`;
  if (answer.headers['X-Content-Type-Options'] !== 'nosniff') return 'no nosniff header';
  return null;
}

/** `PRAGMA integrity_check` of a cache file, through a second, read-only connection. */
export function integrityCheck(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}
