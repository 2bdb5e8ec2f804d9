// Probe: a whole `directory:sync` through the real dispatcher against a fake
// server (Zulip or Open WebUI) of N users, into an empty cache and again into
// the full one, with the longest event-loop hold; then a raw fetch of the
// fake's list URL for comparison. The fake runs in a child process. Run:
//   node test/bench/probes/run.mjs test/bench/probes/sync-e2e.ts '{"kind":"zulip","count":100000}'
// (`"worker":false` syncs on the main thread, as before the sync worker.)
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { openCore } from '@core/open-core';
import { silentLogger } from '@core/log';
import { createMemorySecretStore } from '@core/store/secrets';
import { SNAPSHOT_FILE_NAME } from '@core/store/index-snapshot';
import { startFakeProcess } from '../lib/fake-process';
import { startSourceSyncWorker } from '../../support/sync-worker';
import { loopWatch, longTasks } from './probe-data';

export async function main(args: {
  kind?: 'zulip' | 'openwebui';
  count?: number;
  passes?: number;
  /** List the longest callbacks (async_hooks; slows things down). */
  tasks?: boolean;
  /** Return the long loop gaps (to match against a CPU profile). */
  gaps?: boolean;
  /** Write a CPU profile of each pass here (`<kind>-<count>-<pass>.cpuprofile`). */
  profileDir?: string;
  /** Sync in the worker thread (default true); false: on the main thread, as before. */
  worker?: boolean;
}): Promise<unknown> {
  const kind = args.kind ?? 'zulip';
  const count = args.count ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-sync-probe-'));
  // The fake runs in its own process (test/bench/lib/fake-process.ts), as a
  // real server would: its work never lands on this event loop.
  const fake = await startFakeProcess(dir, { kind, count, seed: 7, sampleIds: 20 });
  const target = fake.target;
  const headers =
    target.kind === 'zulip'
      ? {
          Authorization: `Basic ${Buffer.from(`${target.email}:${target.apiKey}`).toString('base64')}`,
        }
      : { Authorization: `Bearer ${target.apiKey}` };
  const listUrl =
    target.kind === 'zulip'
      ? `${target.url}/api/v1/users?client_gravatar=true&include_custom_profile_fields=true`
      : `${target.url}/api/v1/users/?page=1&order_by=created_at&direction=asc`;
  // Warm the fake's serialized bodies.
  await (await fetch(listUrl, { headers })).arrayBuffer();
  const rawTimes: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    const res = await fetch(listUrl, { headers });
    await res.arrayBuffer();
    rawTimes.push(performance.now() - t);
  }

  const core = await openCore({
    appVersion: '0',
    userDataDir: dir,
    fetch: (input, init) => fetch(input, init),
    secrets: createMemorySecretStore(),
    now: () => Date.now(),
    emit: () => {},
    openExternal: async () => {},
    chooseSavePath: async () => null,
    log: silentLogger,
    ...(args.worker === false ? {} : { startSyncWorker: startSourceSyncWorker }),
  });
  const saved = await core.dispatch('connections:save', {
    draft:
      target.kind === 'zulip'
        ? {
            kind: 'zulip',
            label: 'Z',
            baseUrl: target.url,
            loginEmail: target.email,
            secret: target.apiKey,
          }
        : { kind: 'openwebui', label: 'O', baseUrl: target.url, secret: target.apiKey },
    skipTest: true,
  });
  if (!saved.ok) throw new Error(JSON.stringify(saved.error));
  const id = (saved.value as { connection: { id: string } }).connection.id;
  const out: Record<string, unknown> = {
    kind,
    count,
    worker: args.worker !== false,
    rawListFetchMs: rawTimes.map((t) => Math.round(t)),
  };
  for (let pass = 0; pass < (args.passes ?? 2); pass++) {
    const session = args.profileDir ? new Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const watch = loopWatch();
    const tasks = args.tasks ? longTasks(20) : null;
    const t = performance.now();
    const r = await core.dispatch('directory:sync', { connectionId: id });
    const ms = performance.now() - t;
    if (session && args.profileDir) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(
        join(args.profileDir, `${kind}-${count}-${pass}.cpuprofile`),
        JSON.stringify(profile),
      );
      session.disconnect();
    }
    const loop = watch.stop();
    const longest = tasks?.stop() ?? null;
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    out[pass === 0 ? 'empty' : 'full'] = {
      seconds: +(ms / 1000).toFixed(2),
      usersPerSecond: Math.round(count / (ms / 1000)),
      loopMaxMs: +loop.maxGapMs.toFixed(1),
      loopP99Ms: +loop.p99Ms.toFixed(1),
      cpuHeldMaxMs: +loop.cpuHeldMaxMs.toFixed(1),
      // Each hold over 40 ms split into main computing and main waiting for a core.
      longGapsSched: loop.longGapsSched,
      mainSched: loop.mainSched,
      ...(longest ? { longTasks: longest } : {}),
      ...(args.gaps ? { longGaps: loop.longGaps } : {}),
      summary: r.value,
    };
  }
  // Closing right after the last sync: what quitting then costs (it saves the index the sync changed).
  const closing = performance.now();
  await core.close();
  out.closeMs = Math.round(performance.now() - closing);
  out.indexSavedAtClose = existsSync(join(dir, SNAPSHOT_FILE_NAME));
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  return out;
}
