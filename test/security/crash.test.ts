// Crashes: a sync in a child process (the real core, a fake Zulip in this
// process) SIGKILLed at 20 random points, one after another on the same
// user-data folder, as a machine that keeps crashing would. Half the kills
// land while users are written, at a random count the child reports (not at
// a time, which a busier or quieter moment would move out of the writes).
// After each kill the cache opens through the app's own open path without
// being set aside, passes integrity_check, still holds every user it held
// before, and holds every user the child reported committed (with what that
// sync wrote). A sync restarted after the last kill completes with the full
// directory.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from '@photostructure/sqlite';
import { databasePath, openDatabase } from '@core/store/db';
import { silentLogger } from '@core/log';
import { mulberry32 } from '@core/services/synthetic/random';
import { openTestCore } from '../core/core-fixture';
import { startZulipFake, type ZulipFake } from '../fakes/zulip-fake';

const RUN_TS = resolve(__dirname, '../core/children/run-ts.mjs');
const CHILD = resolve(__dirname, 'children/sync-until-killed.ts');
const KILLS = 20;
const SEED = 8_2026;

interface ChildRun {
  /** Milliseconds from "ready" to exit (or to the kill). */
  ms: number;
  /** The largest committed count the child printed. */
  committed: number;
  phases: string[];
  killed: boolean;
  result: unknown;
  /** Milliseconds from spawn to "ready". */
  startupMs: number;
}

/**
 * When to kill: `afterMs` after the child started or opened its cache, or
 * as soon as it reports having written `afterUsers` users of this sync.
 */
type KillPoint =
  { from: 'spawn' | 'ready'; afterMs: number } | { from: 'writing'; afterUsers: number };

/** Runs the child, SIGKILLing it at `kill` (or letting it finish). */
function runChild(
  args: { dir: string; connectionId: string; secret?: string },
  kill: KillPoint | null,
): Promise<ChildRun> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    let readyAt = 0;
    let committed = 0;
    const phases: string[] = [];
    let killed = false;
    let result: unknown = null;
    let buffer = '';
    const child = spawn(process.execPath, [RUN_TS, CHILD, JSON.stringify(args)], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killNow = (): void => {
      if (child.exitCode === null && child.signalCode === null) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    if (kill?.from === 'spawn') setTimeout(killNow, kill.afterMs);
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === 'ready') {
          readyAt = Date.now();
          if (kill?.from === 'ready') setTimeout(killNow, kill.afterMs);
        } else if (line.startsWith('progress ')) {
          const [, phase = '', done = '0'] = line.split(' ');
          phases.push(phase);
          committed = Math.max(committed, Number(done));
          if (kill?.from === 'writing' && phase === 'writing' && committed >= kill.afterUsers) {
            killNow();
          }
        } else if (line.startsWith('{"result":')) {
          result = (JSON.parse(line) as { result: unknown }).result;
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (!killed && code !== 0) {
        reject(new Error(`the sync child failed (${code ?? signal}): ${stderr.slice(-2000)}`));
        return;
      }
      resolvePromise({
        ms: Date.now() - (readyAt || started),
        committed,
        phases,
        killed: killed && signal === 'SIGKILL',
        result,
        startupMs: (readyAt || Date.now()) - started,
      });
    });
  });
}

/** The unique user IDs of the fake's directory, in the order it serves them. */
function serverOrder(zulip: ZulipFake): string[] {
  const seen = new Set<string>();
  for (const m of zulip.directory.members) seen.add(String(m.user_id));
  return [...seen];
}

describe('a sync killed at random points', () => {
  let zulip: ZulipFake;
  const dirs: string[] = [];
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'rollcall-crash-'));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    zulip = await startZulipFake({ count: 3500, seed: 3 });
  });
  afterAll(async () => {
    await zulip?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('leaves a sound cache holding every committed user, and a restarted sync completes', async () => {
    // A cache that synced the directory once...
    const base = tempDir();
    const setup = await openTestCore({ userDataDir: base });
    const saved = await setup.call('connections:save', {
      draft: {
        kind: 'zulip',
        label: 'Crash test',
        baseUrl: zulip.url,
        loginEmail: zulip.admin.email,
        secret: zulip.admin.apiKey,
      },
    });
    const connectionId = saved.connection.id;
    await setup.call('directory:sync', { connectionId });
    await setup.close();
    const before = new Set(serverOrder(zulip));

    // ...then the server changed: renames, removals and newcomers to write.
    const members = zulip.directory.members;
    const top = Math.max(...members.map((m) => m.user_id));
    const renamed = new Map<string, string>();
    members.forEach((m, i) => {
      if (i % 3 === 0 && m.user_id !== zulip.admin.userId) {
        zulip.renameUser(m.user_id, `Renamed ${m.user_id}`);
        renamed.set(String(m.user_id), `Renamed ${m.user_id}`);
      }
    });
    for (const m of members.filter((m) => m.user_id !== zulip.admin.userId).slice(-150)) {
      zulip.deleteUser(m.user_id);
      renamed.delete(String(m.user_id));
    }
    const template = members[1]!;
    for (let i = 1; i <= 1500; i++) {
      zulip.putUser({
        ...template,
        user_id: top + i,
        email: `new${i}@example.com`,
        delivery_email: `new${i}@example.com`,
        full_name: `Newcomer ${i}`,
        avatar_url: '/user_avatars/new.png',
      });
    }
    const order = serverOrder(zulip);
    const args = {
      connectionId,
      ...(process.env.ROLLCALL_TEST_KEYCHAIN ? {} : { secret: zulip.admin.apiKey }),
    };

    // How long an uninterrupted sync takes here, on a copy.
    const calibration = tempDir();
    cpSync(base, calibration, { recursive: true });
    const full = await runChild({ ...args, dir: calibration }, null);
    expect(full.result).toMatchObject({ ok: true, value: { total: order.length } });

    const dir = tempDir();
    cpSync(base, dir, { recursive: true });
    const rng = mulberry32(SEED);
    const points: string[] = [];
    let killedMidWrite = 0;
    for (let k = 0; k < KILLS; k++) {
      // Half the kills land while users are being written (within the first
      // 60% of them, so the writes outlast the signal), a few while the cache
      // opens, the rest anywhere in the sync.
      const kill: KillPoint =
        k % 2 === 0
          ? { from: 'writing', afterUsers: Math.round(rng() * order.length * 0.6) }
          : k % 7 === 3
            ? { from: 'spawn', afterMs: Math.round(rng() * full.startupMs) }
            : { from: 'ready', afterMs: Math.round(rng() * full.ms * 1.05) };
      const run = await runChild({ ...args, dir }, kill);
      const at = kill.from === 'writing' ? `${kill.afterUsers} users` : `${kill.afterMs}ms`;
      points.push(`${kill.from}+${at}:${run.phases.at(-1) ?? 'none'}:${run.committed}`);
      if (run.killed && run.phases.includes('writing') && !run.phases.includes('done'))
        killedMidWrite++;

      // The app's own open path: no damage found, nothing set aside.
      const opened = openDatabase(databasePath(dir), {
        log: silentLogger,
        now: Date.now,
        quickCheck: 'always',
      });
      expect(opened.notices, points.at(-1)).toEqual([]);
      opened.close();
      const db = new DatabaseSync(databasePath(dir));
      try {
        const check = db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[];
        expect(
          check.map((r) => r.integrity_check),
          points.at(-1),
        ).toEqual(['ok']);
        const rows = db
          .prepare(`SELECT u.user_id, u.name FROM users u WHERE u.connection_id = ?`)
          .all(connectionId) as { user_id: string; name: string }[];
        const names = new Map(rows.map((r) => [r.user_id, r.name]));
        // Nothing held before is lost...
        const lost = [...before].filter((id) => !names.has(id));
        expect(lost.length, points.at(-1)).toBe(0);
        // ...and every user this sync reported committed is there, as it wrote them.
        const committed = order.slice(0, run.committed);
        const missing = committed.filter((id) => !names.has(id));
        expect(missing.slice(0, 5), points.at(-1)).toEqual([]);
        const stale = committed.filter(
          (id) => renamed.has(id) && names.get(id) !== renamed.get(id),
        );
        expect(stale.slice(0, 5), points.at(-1)).toEqual([]);
      } finally {
        db.close();
      }
    }

    // The restarted sync completes with the whole directory.
    const restart = await runChild({ ...args, dir }, null);
    expect(restart.result).toMatchObject({ ok: true, value: { total: order.length } });
    const after = await openTestCore({ userDataDir: dir });
    const all = await after.call('users:search', { connectionIds: [connectionId], limit: 1 });
    // Everyone is kept; the 150 users the server dropped are marked gone, not deleted.
    expect(all.total).toBe(order.length + 150);
    await after.close();
    const db = new DatabaseSync(databasePath(dir), { readOnly: true });
    const gone = db.prepare('SELECT count(*) AS n FROM users WHERE gone_at IS NOT NULL').get() as {
      n: number;
    };
    db.close();
    expect(gone.n).toBe(150);

    expect(points).toHaveLength(KILLS);
    expect(killedMidWrite).toBeGreaterThanOrEqual(KILLS / 5);
    console.log(
      `[security] crashes survived: ${KILLS} SIGKILLs (${killedMidWrite} while writing users; ` +
        `sync ${full.ms} ms uninterrupted, seed ${SEED}): ${points.join(' ')}`,
    );
  });
});
