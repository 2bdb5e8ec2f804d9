/**
 * Payloads too large to serialize, hash or write in one go. A server can
 * send a member whose name is ten megabytes (issue 13); the payload is kept
 * whole, but one `JSON.stringify`, one SHA-256 and one SQLite write of it
 * held Electron's main process over 150 ms. Such a payload is serialized
 * and hashed a piece at a time, yielding between pieces, and stored in
 * `payload_parts` (parts of 256 K characters, a few per transaction), under
 * an ID that `user_payloads.raw_parts` points to once the user's own row
 * commits; `raw_json` then holds a preview (every string cut to 128 K
 * characters, longer than any text cap, so the user derives from it as from
 * the whole). Parts nobody points to (a write that failed or was replaced,
 * a user deleted) are swept in small chunks.
 *
 * Node only; never imports `electron`.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { JsonValue } from '@shared/model';
import { CUT_MARK } from '@shared/text-caps';
import { jsonTextPieces } from '../net/json-slices';
import { inTransaction, type SqliteDb } from './sqlite-helpers';
import { yieldToEventLoop } from '../event-loop';
import { textDigest } from '../text-digest';

/** A payload whose strings add up to more than this many characters is stored in parts. */
const LARGE_PAYLOAD_CHARS = 256 * 1024;
/** Characters of one stored part. */
const PART_CHARS = 256 * 1024;
/** The longest string a preview keeps: above every text cap (see text-caps.ts), so deriving from it cuts alike. */
const PREVIEW_STRING_CHARS = 128 * 1024;
/** Longest the loop is held between two yields, roughly (ms). */
const SLICE_MS = 8;
/** Containers deeper than this are not looked into by the size check or the preview. */
const WALK_DEPTH = 64;
/** Parts one sweep statement deletes. */
const SWEEP_PARTS = 8;

const SQL = {
  insert: 'INSERT INTO payload_parts (payload_id, seq, part) VALUES (?, ?, ?)',
  parts: 'SELECT part FROM payload_parts WHERE payload_id = ? AND seq >= ? ORDER BY seq LIMIT ?',
  sweep: `DELETE FROM payload_parts WHERE rowid IN (
    SELECT rowid FROM payload_parts
    WHERE payload_id NOT IN (SELECT raw_parts FROM user_payloads WHERE raw_parts IS NOT NULL)
      AND payload_id NOT IN (SELECT value FROM json_each(?))
    LIMIT ?) RETURNING rowid`,
};

/** Parts being written whose row has not committed yet: a sweep meanwhile must leave them. */
const inFlight = new Set<string>();

/**
 * Whether a payload is large enough to be stored in parts: its strings and
 * keys add up past `LARGE_PAYLOAD_CHARS`. Stops as soon as they do, so an
 * ordinary payload costs a walk of its few dozen values.
 */
export function isLargePayload(raw: JsonValue): boolean {
  let total = 0;
  const stack: { value: JsonValue; depth: number }[] = [{ value: raw, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop() as { value: JsonValue; depth: number };
    if (typeof value === 'string') total += value.length;
    else if (typeof value !== 'object' || value === null) total += 8;
    else if (depth >= WALK_DEPTH) total += LARGE_PAYLOAD_CHARS;
    else if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, depth: depth + 1 });
    } else {
      for (const key of Object.keys(value)) {
        total += key.length;
        stack.push({ value: value[key] as JsonValue, depth: depth + 1 });
      }
    }
    if (total > LARGE_PAYLOAD_CHARS) return true;
  }
  return false;
}

/**
 * A large payload's preview, what `raw_json` holds beside its parts: the
 * same value with every string cut to `PREVIEW_STRING_CHARS` (and "…").
 * Containers deeper than `WALK_DEPTH` become null.
 */
export function payloadPreview(raw: JsonValue, depth = 0): JsonValue {
  if (typeof raw === 'string') {
    return raw.length > PREVIEW_STRING_CHARS
      ? `${raw.slice(0, PREVIEW_STRING_CHARS - CUT_MARK.length)}${CUT_MARK}`
      : raw;
  }
  if (typeof raw !== 'object' || raw === null) return raw;
  if (depth >= WALK_DEPTH) return null;
  if (Array.isArray(raw)) return raw.map((item) => payloadPreview(item, depth + 1));
  const out: { [key: string]: JsonValue } = Object.create(null) as { [key: string]: JsonValue };
  for (const key of Object.keys(raw)) out[key] = payloadPreview(raw[key] as JsonValue, depth + 1);
  return out;
}

/** A large payload serialized: its text in parts, and the SHA-256 of the whole text. */
export interface LargePayload {
  parts: string[];
  digest: string;
}

/**
 * Serializes a payload as `JSON.stringify` would, in parts, hashing the
 * text as it goes, yielding every `SLICE_MS`: the whole text is never one
 * string. `null` when it is not plain JSON.
 */
export async function serializeLargePayload(raw: JsonValue): Promise<LargePayload | null> {
  const hash = createHash('sha256');
  const parts: string[] = [];
  let pending: string[] = [];
  let pendingChars = 0;
  let started = performance.now();
  try {
    for (const piece of jsonTextPieces(raw)) {
      hash.update(piece);
      pending.push(piece);
      pendingChars += piece.length;
      if (pendingChars >= PART_CHARS) {
        parts.push(pending.join(''));
        pending = [];
        pendingChars = 0;
      }
      if (performance.now() - started >= SLICE_MS) {
        await yieldToEventLoop();
        started = performance.now();
      }
    }
  } catch {
    return null;
  }
  if (pendingChars > 0 || parts.length === 0) parts.push(pending.join(''));
  return { parts, digest: hash.digest('hex') };
}

/**
 * The content hash of a user stored with a large payload: its user's JSON
 * and its payload's digest (the text is never whole to hash in one go).
 * Never equal to an ordinary row's hash: `parts:` does not start JSON.
 */
export function partsContentHash(userJson: string, digest: string): string {
  return textDigest('sha256', `${userJson}\nparts:${digest}`, 'hex');
}

/** The payload digest a `raw_parts` ID carries (IDs are `<digest>.<uuid>`). */
export function digestOfPartsId(id: string): string {
  return id.slice(0, id.indexOf('.'));
}

/**
 * Writes a payload's parts under a new ID, a few per transaction (within
 * `SLICE_MS`), awaiting `between` after each. Nothing points to them until
 * the user's row commits with the ID; sweeps leave them alone until the
 * caller calls `releasePayloadParts` (committed or failed), then delete
 * them if nothing points to them.
 */
export async function writePayloadParts(
  db: SqliteDb,
  payload: LargePayload,
  between: () => Promise<void>,
): Promise<string> {
  const id = `${payload.digest}.${randomUUID()}`;
  inFlight.add(id);
  try {
    const insert = db.prepare(SQL.insert);
    let seq = 0;
    while (seq < payload.parts.length) {
      const started = performance.now();
      inTransaction(db, () => {
        do {
          insert.run(id, seq, payload.parts[seq] as string);
          seq++;
        } while (seq < payload.parts.length && performance.now() - started < SLICE_MS);
      });
      await between();
    }
  } catch (thrown) {
    inFlight.delete(id);
    throw thrown;
  }
  return id;
}

/** The row that points to these parts has committed (or will not): a sweep may judge them again. */
export function releasePayloadParts(id: string): void {
  inFlight.delete(id);
}

/** A large payload's whole text, read a part at a time, yielding between parts. */
export async function readPayloadText(db: SqliteDb, id: string): Promise<string> {
  const read = db.prepare(SQL.parts);
  let text = '';
  for (let seq = 0; ; seq++) {
    const row = read.get(id, seq, 1) as { part?: unknown } | undefined;
    if (!row || typeof row.part !== 'string') return text;
    text += row.part;
    await yieldToEventLoop();
  }
}

/** Deletes parts no payload points to, a few per statement, yielding between; how many went. */
export async function sweepPayloadParts(db: SqliteDb): Promise<number> {
  const sweep = db.prepare(SQL.sweep);
  let total = 0;
  for (;;) {
    const n = sweep.all(JSON.stringify([...inFlight]), SWEEP_PARTS).length;
    total += n;
    if (n < SWEEP_PARTS) return total;
    await yieldToEventLoop();
  }
}
