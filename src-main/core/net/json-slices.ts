/**
 * JSON.parse for bodies too large to parse in one go on the main thread.
 * Zulip answers `GET /users` for 100 000 people with one 62 MB document;
 * `JSON.parse` of it held the event loop (Electron's main process) for
 * over half a second. Here the bytes are scanned for the bounds of the
 * values inside large arrays and objects, and runs of neighbouring values
 * are parsed by `JSON.parse` a few hundred kilobytes at a time, yielding to
 * the event loop between slices. The result is the value `JSON.parse`
 * gives (same keys, same order, `__proto__` an own key), and malformed or
 * non-UTF-8 input fails as it would.
 *
 * Node only (plain TypeScript; `TextDecoder`, `setImmediate`).
 */
import type { JsonValue } from '@shared/model';

/** Why the bytes are not JSON. */
export class JsonSliceError extends Error {
  constructor(
    readonly kind: 'utf8' | 'syntax',
    message: string,
  ) {
    super(message);
    this.name = 'JsonSliceError';
  }
}

/** Options of `parseJsonInSlices`. */
export interface SliceOptions {
  /** Longest the event loop is held between two yields, roughly (default 8 ms). */
  budgetMs?: number;
  /** A value (or a run of neighbouring values) up to this size is handed to `JSON.parse` whole (default 256 KB). */
  leafBytes?: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Containers are split this many levels deep at most (a directory is two:
 * `{"members": [{...}, ...]}`); deeper ones go to `JSON.parse` whole, so a
 * hostile body nested a million levels costs a few scans, not a million.
 */
const MAX_SPLIT_DEPTH = 4;

/** Bytes scanned between two looks at the clock. */
const SCAN_STRIDE = 1 << 16;

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function syntax(message: string): JsonSliceError {
  return new JsonSliceError('syntax', message);
}

/**
 * Parses UTF-8 JSON bytes like `JSON.parse(new TextDecoder('utf-8', {
 * fatal: true }).decode(bytes))`, yielding to the event loop every
 * `budgetMs` or so. Throws `JsonSliceError` (`utf8` or `syntax`).
 */
export async function parseJsonInSlices(
  bytes: Uint8Array,
  options: SliceOptions = {},
): Promise<JsonValue> {
  const budget = options.budgetMs ?? 8;
  const leafBytes = Math.max(16, options.leafBytes ?? 256 * 1024);
  const b = bytes;
  const n = b.length;
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let sliceStart = performance.now();

  const tick = async (): Promise<void> => {
    if (performance.now() - sliceStart < budget) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  };

  const text = (start: number, end: number): string => {
    try {
      return decoder.decode(b.subarray(start, end));
    } catch {
      throw new JsonSliceError('utf8', 'The body is not valid UTF-8.');
    }
  };

  const parse = (source: string): unknown => {
    try {
      return JSON.parse(source) as unknown;
    } catch (thrown) {
      throw syntax(thrown instanceof Error ? thrown.message : 'Malformed JSON.');
    }
  };

  const skipSpace = (from: number): number => {
    let i = from;
    while (i < n && isSpace(b[i])) i++;
    return i;
  };

  /** The index just past the value starting at `start` (its bounds only; `JSON.parse` checks its inside). */
  const valueEnd = async (start: number): Promise<number> => {
    const first = b[start];
    if (first === undefined) throw syntax('The JSON ends where a value should be.');
    if (first !== OPEN_BRACE && first !== OPEN_BRACKET && first !== QUOTE) {
      let i = start;
      while (i < n) {
        const c = b[i] as number;
        if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === COLON || isSpace(c)) {
          break;
        }
        i++;
      }
      if (i === start) throw syntax(`Unexpected character at byte ${start}.`);
      return i;
    }
    let depth = 0;
    let inString = false;
    let i = start;
    let stride = i + SCAN_STRIDE;
    while (i < n) {
      const c = b[i] as number;
      if (inString) {
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) {
          inString = false;
          if (depth === 0) return i + 1;
        }
      } else if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
        if (depth < 0) throw syntax(`Unbalanced bracket at byte ${i}.`);
      }
      i++;
      if (i >= stride) {
        stride = i + SCAN_STRIDE;
        await tick();
      }
    }
    throw syntax('The JSON is cut off.');
  };

  const isContainer = (c: number | undefined): boolean => c === OPEN_BRACE || c === OPEN_BRACKET;

  /** Sets a key as `JSON.parse` does: an own, enumerable data property, even `__proto__`. */
  const define = (target: { [key: string]: JsonValue }, key: string, value: JsonValue): void => {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  };

  const parseArray = async (start: number, end: number, depth: number): Promise<JsonValue[]> => {
    const out: JsonValue[] = [];
    let groupStart = -1;
    let groupEnd = -1;
    const flush = async (): Promise<void> => {
      if (groupStart < 0) return;
      const part = parse(`[${text(groupStart, groupEnd)}]`) as JsonValue[];
      for (const v of part) out.push(v);
      groupStart = -1;
      await tick();
    };
    let i = skipSpace(start + 1);
    if (b[i] === CLOSE_BRACKET) {
      if (i !== end - 1) throw syntax(`Unexpected data after an array at byte ${i}.`);
      return out;
    }
    for (;;) {
      const childEnd = await valueEnd(i);
      if (childEnd - i > leafBytes && b[i] === QUOTE) {
        await flush();
        out.push(await parseString(i, childEnd));
      } else if (childEnd - i > leafBytes && isContainer(b[i]) && depth + 1 < MAX_SPLIT_DEPTH) {
        await flush();
        out.push(await parseRange(i, childEnd, depth + 1));
      } else {
        if (groupStart < 0) groupStart = i;
        groupEnd = childEnd;
        if (groupEnd - groupStart >= leafBytes) await flush();
      }
      i = skipSpace(childEnd);
      if (b[i] === COMMA) {
        i = skipSpace(i + 1);
        continue;
      }
      if (b[i] === CLOSE_BRACKET && i === end - 1) break;
      throw syntax(`Expected "," or "]" at byte ${i}.`);
    }
    await flush();
    return out;
  };

  const parseObject = async (
    start: number,
    end: number,
    depth: number,
  ): Promise<{ [key: string]: JsonValue }> => {
    const out: { [key: string]: JsonValue } = {};
    let groupStart = -1;
    let groupEnd = -1;
    const flush = async (): Promise<void> => {
      if (groupStart < 0) return;
      const part = parse(`{${text(groupStart, groupEnd)}}`) as { [key: string]: JsonValue };
      for (const key of Object.keys(part)) define(out, key, part[key] as JsonValue);
      groupStart = -1;
      await tick();
    };
    let i = skipSpace(start + 1);
    if (b[i] === CLOSE_BRACE) {
      if (i !== end - 1) throw syntax(`Unexpected data after an object at byte ${i}.`);
      return out;
    }
    for (;;) {
      if (b[i] !== QUOTE) throw syntax(`Expected a key at byte ${i}.`);
      const keyStart = i;
      const keyEnd = await valueEnd(i);
      let j = skipSpace(keyEnd);
      if (b[j] !== COLON) throw syntax(`Expected ":" at byte ${j}.`);
      j = skipSpace(j + 1);
      const valueStart = j;
      const valueStop = await valueEnd(j);
      if (valueStop - valueStart > leafBytes && b[valueStart] === QUOTE) {
        await flush();
        const key = parse(text(keyStart, keyEnd));
        if (typeof key !== 'string') throw syntax(`Expected a key at byte ${keyStart}.`);
        define(out, key, await parseString(valueStart, valueStop));
      } else if (
        valueStop - valueStart > leafBytes &&
        isContainer(b[valueStart]) &&
        depth + 1 < MAX_SPLIT_DEPTH
      ) {
        await flush();
        const key = parse(text(keyStart, keyEnd));
        if (typeof key !== 'string') throw syntax(`Expected a key at byte ${keyStart}.`);
        define(out, key, await parseRange(valueStart, valueStop, depth + 1));
      } else {
        if (groupStart < 0) groupStart = keyStart;
        groupEnd = valueStop;
        if (groupEnd - groupStart >= leafBytes) await flush();
      }
      i = skipSpace(valueStop);
      if (b[i] === COMMA) {
        i = skipSpace(i + 1);
        continue;
      }
      if (b[i] === CLOSE_BRACE && i === end - 1) break;
      throw syntax(`Expected "," or "}" at byte ${i}.`);
    }
    await flush();
    return out;
  };

  /**
   * A string value in [start, end) (quotes included), parsed a slice at a
   * time: one member's ten-megabyte name held the loop for over 100 ms in
   * one `JSON.parse`. A slice never ends inside an escape or a UTF-8
   * sequence; a surrogate pair written as two escapes may fall on either
   * side, and joins again when the pieces are joined.
   */
  async function parseString(start: number, end: number): Promise<string> {
    let out = '';
    let i = start + 1;
    const stop = end - 1;
    while (i < stop) {
      const limit = Math.min(stop, i + leafBytes);
      let k = i;
      while (k < limit) k += b[k] === BACKSLASH ? (b[k + 1] === 0x75 ? 6 : 2) : 1;
      // 10xxxxxx continues a UTF-8 sequence: end the slice after it.
      while (k < stop && ((b[k] as number) & 0xc0) === 0x80) k++;
      if (k > stop) throw syntax(`Unfinished escape at byte ${stop}.`);
      const piece = parse(`"${text(i, k)}"`);
      if (typeof piece !== 'string') throw syntax(`Malformed string at byte ${i}.`);
      out += piece;
      i = k;
      await tick();
    }
    return out;
  }

  /** The value in [start, end), split when it is a large array, object or string. */
  async function parseRange(start: number, end: number, depth: number): Promise<JsonValue> {
    const first = b[start];
    if (end - start > leafBytes && first === QUOTE) return parseString(start, end);
    const split = end - start > leafBytes && depth < MAX_SPLIT_DEPTH;
    if (split && first === OPEN_BRACKET) {
      if (b[end - 1] !== CLOSE_BRACKET) throw syntax(`Unbalanced bracket at byte ${end - 1}.`);
      return parseArray(start, end, depth);
    }
    if (split && first === OPEN_BRACE) {
      if (b[end - 1] !== CLOSE_BRACE) throw syntax(`Unbalanced bracket at byte ${end - 1}.`);
      return parseObject(start, end, depth);
    }
    return parse(text(start, end)) as JsonValue;
  }

  try {
    // A byte order mark is dropped, as TextDecoder drops it.
    let start = n >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
    start = skipSpace(start);
    const end = await valueEnd(start);
    if (skipSpace(end) !== n) throw syntax(`Unexpected data after the JSON at byte ${end}.`);
    return await parseRange(start, end, 0);
  } catch (thrown) {
    // Bytes that are not UTF-8 anywhere make it a UTF-8 error, as decoding
    // the whole body first would have said.
    if (thrown instanceof JsonSliceError && thrown.kind === 'syntax') {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(b);
      } catch {
        throw new JsonSliceError('utf8', 'The body is not valid UTF-8.');
      }
    }
    throw thrown;
  }
}

/** Containers this deep (and deeper) are handed to `JSON.stringify` whole. */
const STRINGIFY_SPLIT_DEPTH = 3;

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return (proto === Object.prototype || proto === null) && !('toJSON' in value);
}

/** Strings longer than this are serialized a slice at a time. */
const STRING_SLICE_CHARS = 64 * 1024;

/** A long string's JSON text, in slices; a slice never splits a surrogate pair. */
function* stringPieces(value: string): Generator<string> {
  yield '"';
  let i = 0;
  while (i < value.length) {
    let end = Math.min(value.length, i + STRING_SLICE_CHARS);
    const last = value.charCodeAt(end - 1);
    if (end < value.length && last >= 0xd800 && last <= 0xdbff) end++;
    yield JSON.stringify(value.slice(i, end)).slice(1, -1);
    i = end;
  }
  yield '"';
}

function* jsonPieces(value: unknown, depth: number, splitDepth: number): Generator<string> {
  if (typeof value === 'string' && value.length > STRING_SLICE_CHARS) {
    yield* stringPieces(value);
    return;
  }
  if (depth < splitDepth && Array.isArray(value)) {
    yield '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) yield ',';
      const item: unknown = value[i];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol')
        yield 'null';
      else yield* jsonPieces(item, depth + 1, splitDepth);
    }
    yield ']';
    return;
  }
  if (depth < splitDepth && typeof value === 'object' && value !== null && isPlainObject(value)) {
    yield '{';
    let first = true;
    for (const key of Object.keys(value)) {
      const item: unknown = (value as Record<string, unknown>)[key];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      yield first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`;
      first = false;
      yield* jsonPieces(item, depth + 1, splitDepth);
    }
    yield '}';
    return;
  }
  const json = JSON.stringify(value) as string | undefined;
  yield json ?? 'null';
}

/** Containers this deep (and deeper) are handed to `JSON.stringify` whole by `jsonTextPieces`. */
const PAYLOAD_SPLIT_DEPTH = 32;

/**
 * A JSON value's `JSON.stringify` text in pieces, none of them large unless
 * a container sits deeper than 32 levels: what a caller that must not hold
 * the loop (hashing and storing one huge payload) walks, a piece at a time.
 */
export function jsonTextPieces(value: unknown): Generator<string> {
  return jsonPieces(value, 0, PAYLOAD_SPLIT_DEPTH);
}

/**
 * `JSON.stringify` for values too large to serialize in one go on the main
 * thread: a 100 000-user Zulip's group memberships are megabytes of JSON,
 * and writing them at the end of a sync held the loop for 30 ms. The outer
 * arrays and objects are walked here and their members serialized one by
 * one, yielding to the event loop between slices; the text is what
 * `JSON.stringify` gives for JSON data.
 */
export async function stringifyJsonInSlices(
  value: unknown,
  options: { budgetMs?: number } = {},
): Promise<string> {
  const budget = options.budgetMs ?? 8;
  // Pieces are joined a thousand at a time as they come: one join of
  // hundreds of thousands of small strings at the end held the loop too.
  const joined: string[] = [];
  let pending: string[] = [];
  let sliceStart = performance.now();
  for (const piece of jsonPieces(value, 0, STRINGIFY_SPLIT_DEPTH)) {
    pending.push(piece);
    if (pending.length === 1024) {
      joined.push(pending.join(''));
      pending = [];
      if (performance.now() - sliceStart >= budget) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
  }
  joined.push(pending.join(''));
  return joined.join('');
}
