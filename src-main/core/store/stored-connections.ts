/**
 * Reading back the JSON the cache keeps per connection: its last test and
 * last sync (connections-repo.ts) and Zulip's profile field definitions
 * (meta-repo.ts). Parsed with zod, never cast: a value an older Rollcall
 * stored without a field this one added reads that field as its default;
 * one that is not JSON, or not of the shape at all, reads as none.
 *
 * Node only; never imports `electron`.
 */
import { z } from 'zod';
import {
  PROFILE_FIELD_TYPES,
  ROLES,
  type ConnectionTestResult,
  type ProfileFieldDefinition,
  type SyncSummary,
} from '@shared/model';
import { ERROR_CODES, type RollcallError } from '@shared/errors';
import { parseJsonText } from './stored-users';

const count = z.number().catch(0);
const textOrNull = z.string().nullable().catch(null);

const syncSummarySchema = z.object({
  added: count,
  updated: count,
  unchanged: count,
  gone: count,
  total: count,
  startedAt: count,
  finishedAt: count,
  // Added in issue 13: a summary stored before reads as "none skipped".
  unreadable: count.default(0),
  unreadableReason: textOrNull.default(null),
});

const errorSchema = z
  .object({
    code: z.enum(ERROR_CODES).catch('INTERNAL'),
    message: z.string().catch('Something went wrong.'),
    serverMessage: z.string().optional().catch(undefined),
    status: z.number().optional().catch(undefined),
    url: z.string().optional().catch(undefined),
    retryAfterSeconds: z.number().optional().catch(undefined),
    field: z.string().optional().catch(undefined),
  })
  .nullable()
  .catch(null);

const testResultSchema = z.object({
  ok: z.boolean().catch(false),
  at: count,
  who: z
    .object({
      userId: z.string(),
      name: z.string(),
      email: textOrNull,
      role: z.enum(ROLES),
    })
    .nullable()
    .catch(null),
  error: errorSchema,
});

const definitionSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(PROFILE_FIELD_TYPES).catch('unknown'),
  typeCode: count,
  hint: z.string().catch(''),
  order: count,
  displayInSummary: z.boolean().catch(false),
  required: z.boolean().catch(false),
  choices: z.array(z.object({ key: z.string(), text: z.string(), order: count })).catch([]),
  externalAccount: z.object({ subtype: z.string(), urlPattern: textOrNull }).nullable().catch(null),
});

/** A value of `schema` from stored JSON text, or null when it is not JSON of that shape. */
function parseStored<T>(schema: z.ZodType<T>, json: unknown): T | null {
  if (json === null || json === undefined) return null;
  const parsed = schema.safeParse(parseJsonText(json));
  return parsed.success ? parsed.data : null;
}

/** A connection's stored `last_sync_json`. */
export function parseStoredSyncSummary(json: unknown): SyncSummary | null {
  return parseStored(syncSummarySchema, json);
}

/** A connection's stored `last_test_json`. */
export function parseStoredTestResult(json: unknown): ConnectionTestResult | null {
  const parsed = parseStored(testResultSchema, json);
  if (!parsed) return null;
  const { error, ...rest } = parsed;
  return { ...rest, error: error ? withoutUndefined(error) : null };
}

/** Zulip's stored profile field definitions; the unreadable ones are left out. */
export function parseStoredDefinitions(json: unknown): ProfileFieldDefinition[] | null {
  const list = parseStored(z.array(z.unknown()), json);
  if (!list) return null;
  return list.flatMap((item) => {
    const parsed = definitionSchema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}

/** An error without the optional fields it does not have (as it was stored). */
function withoutUndefined(error: z.output<typeof errorSchema> & object): RollcallError {
  const out: RollcallError = { code: error.code, message: error.message };
  if (error.serverMessage !== undefined) out.serverMessage = error.serverMessage;
  if (error.status !== undefined) out.status = error.status;
  if (error.url !== undefined) out.url = error.url;
  if (error.retryAfterSeconds !== undefined) out.retryAfterSeconds = error.retryAfterSeconds;
  if (error.field !== undefined) out.field = error.field;
  return out;
}
