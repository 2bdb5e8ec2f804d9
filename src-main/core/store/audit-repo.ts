/**
 * The local audit log of actions on users (issue 15): one row per user per
 * run, appended as each user finishes, never changed or removed (the
 * table's triggers refuse it, migrations.ts v8). Rows are read back with
 * zod, never cast: a row this version cannot read is left out of a page
 * (and logged) rather than shown half-made. Every text is cut to a cap on
 * the way in and again on the way out, so one huge name costs what any
 * other does.
 *
 * Node only; never imports `electron`.
 */
import { z } from 'zod';
import {
  ACTION_OUTCOMES,
  type ActionUserState,
  type AuditEntry,
  type UserStanding,
} from '@shared/actions';
import { actionSpecSchema } from '@shared/contract';
import { ROLES } from '@shared/model';
import { capText } from '@shared/text-caps';
import { silentLogger, type Logger } from '../log';
import type { OpenedDatabase } from './db';
import { cacheFailure, readOnlyFailure } from './sqlite-errors';
import { statementCache } from './sqlite-helpers';
import { yieldToEventLoop } from '../event-loop';

/** An entry as the run loop hands it; the log gives it its ID. */
type NewAuditEntry = Omit<AuditEntry, 'id'>;

/** Which entries, newest first. */
interface AuditFilter {
  connectionId?: string | undefined;
}

/** The audit log: append, and read newest first. */
export interface AuditRepo {
  /** Appends one entry (its texts cut to their caps); returns its ID. */
  append(entry: NewAuditEntry): number;
  /** One page, newest first, with how many entries match in all. */
  list(options: AuditFilter & { offset: number; limit: number }): {
    total: number;
    entries: AuditEntry[];
  };
  /** Every matching entry, newest first, a chunk at a time (exports). */
  iterate(options?: AuditFilter & { chunkSize?: number }): AsyncGenerator<AuditEntry[]>;
}

const STATES = ['active', 'deactivated', 'gone'] as const satisfies readonly ActionUserState[];

/** The cap of each text column (kinds of shared/text-caps.ts). */
function capped(entry: NewAuditEntry): NewAuditEntry {
  return {
    ...entry,
    connectionLabel: capText(entry.connectionLabel, 'label'),
    actionLabel: capText(entry.actionLabel, 'label'),
    targetDescription: capText(entry.targetDescription, 'hint'),
    userId: capText(entry.userId, 'label'),
    userName: capText(entry.userName, 'name'),
    message: entry.message === null ? null : capText(entry.message, 'status'),
  };
}

const integer = z.union([z.number(), z.bigint()]).transform(Number).pipe(z.number().int());
const cappedText = (kind: Parameters<typeof capText>[1]) =>
  z.string().transform((t) => capText(t, kind));

/** A stored action: JSON text that must be one of today's action shapes. */
const storedAction = z
  .string()
  .transform((json, ctx) => {
    try {
      return JSON.parse(json) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' });
      return z.NEVER;
    }
  })
  .pipe(actionSpecSchema);

const rowSchema = z.object({
  id: integer,
  run_id: cappedText('label'),
  at: integer,
  connection_id: cappedText('label'),
  connection_label: cappedText('label'),
  action_json: storedAction,
  action_label: cappedText('label'),
  target_description: cappedText('hint'),
  user_id: cappedText('label'),
  user_name: cappedText('name'),
  before_role: z.enum(ROLES),
  before_state: z.enum(STATES),
  after_role: z.enum(ROLES).nullable(),
  after_state: z.enum(STATES).nullable(),
  outcome: z.enum(ACTION_OUTCOMES),
  message: cappedText('status').nullable(),
});

/** A stored row as an entry; null when this version cannot read it. */
function entryOf(row: unknown, log: Logger): AuditEntry | null {
  const parsed = rowSchema.safeParse(row);
  if (!parsed.success) {
    log.warn('an audit log row could not be read; it is left out', {
      issue: parsed.error.issues[0]?.message ?? 'unknown',
    });
    return null;
  }
  const r = parsed.data;
  const after: UserStanding | null =
    r.after_role !== null && r.after_state !== null
      ? { role: r.after_role, state: r.after_state }
      : null;
  return {
    id: r.id,
    runId: r.run_id,
    at: r.at,
    connectionId: r.connection_id,
    connectionLabel: r.connection_label,
    action: r.action_json,
    actionLabel: r.action_label,
    targetDescription: r.target_description,
    userId: r.user_id,
    userName: r.user_name,
    before: { role: r.before_role, state: r.before_state },
    after,
    outcome: r.outcome,
    message: r.message,
  };
}

const COLUMNS = `id, run_id, at, connection_id, connection_label, action_json, action_label,
  target_description, user_id, user_name, before_role, before_state, after_role, after_state,
  outcome, message`;

const SQL = {
  insert: `INSERT INTO audit_log (run_id, at, connection_id, connection_label, action_json,
      action_label, target_description, user_id, user_name, before_role, before_state,
      after_role, after_state, outcome, message)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // `?1 IS NULL` reads every connection's entries.
  count: `SELECT count(*) AS n FROM audit_log WHERE (?1 IS NULL OR connection_id = ?1)`,
  page: `SELECT ${COLUMNS} FROM audit_log WHERE (?1 IS NULL OR connection_id = ?1)
    ORDER BY id DESC LIMIT ?2 OFFSET ?3`,
  before: `SELECT ${COLUMNS} FROM audit_log WHERE (?1 IS NULL OR connection_id = ?1) AND id < ?2
    ORDER BY id DESC LIMIT ?3`,
};

/** Builds the audit log over an open cache. */
export function createAuditRepo(cache: OpenedDatabase, deps: { log?: Logger } = {}): AuditRepo {
  const log = deps.log ?? silentLogger;
  const stmt = statementCache(cache.db);
  const read = <T>(doing: string, fn: () => T): T => {
    try {
      return fn();
    } catch (thrown) {
      throw cacheFailure(thrown, doing, cache);
    }
  };
  const entriesOf = (rows: unknown[]): AuditEntry[] =>
    rows.flatMap((row) => {
      const entry = entryOf(row, log);
      return entry ? [entry] : [];
    });

  return {
    append(entry) {
      if (cache.readOnly) throw readOnlyFailure(cache, 'write the audit log');
      const e = capped(entry);
      return read('write the audit log', () =>
        Number(
          stmt(SQL.insert).run(
            e.runId,
            Math.round(e.at),
            e.connectionId,
            e.connectionLabel,
            JSON.stringify(e.action),
            e.actionLabel,
            e.targetDescription,
            e.userId,
            e.userName,
            e.before.role,
            e.before.state,
            e.after?.role ?? null,
            e.after?.state ?? null,
            e.outcome,
            e.message,
          ).lastInsertRowid,
        ),
      );
    },
    list({ connectionId, offset, limit }) {
      return read('read the audit log', () => {
        const id = connectionId ?? null;
        const total = Number((stmt(SQL.count).get(id) as { n: unknown }).n);
        return { total, entries: entriesOf(stmt(SQL.page).all(id, limit, offset)) };
      });
    },
    async *iterate(options = {}) {
      const id = options.connectionId ?? null;
      const chunkSize = Math.max(1, options.chunkSize ?? 500);
      let below = Number.MAX_SAFE_INTEGER;
      for (;;) {
        const rows = read('read the audit log', () =>
          stmt(SQL.before).all(id, below, chunkSize),
        ) as { id: unknown }[];
        if (rows.length === 0) return;
        below = Number(rows[rows.length - 1]?.id);
        yield entriesOf(rows);
        if (rows.length < chunkSize) return;
        await yieldToEventLoop();
      }
    },
  };
}
