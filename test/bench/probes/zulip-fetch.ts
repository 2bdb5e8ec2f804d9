// Probe: the Zulip directory fetch alone (no cache), against a fake in a
// child process: the longest event-loop hold while the 100 000-user body is
// read and parsed (http.ts getJson), and while the provider dedupes and
// normalizes it. Run:
//   node test/bench/probes/run.mjs test/bench/probes/zulip-fetch.ts '{"count":100000}'
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createHttpClient, DIRECTORY_MAX_BYTES } from '@core/net/http';
import { createZulipProvider } from '@core/providers';
import { startFakeProcess } from '../lib/fake-process';
import { loopWatch } from './probe-data';

export async function main(args: { count?: number }): Promise<unknown> {
  const count = args.count ?? 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-zulip-probe-'));
  const fake = await startFakeProcess(dir, { kind: 'zulip', count, seed: 7, sampleIds: 0 });
  const target = fake.target;
  if (target.kind !== 'zulip') throw new Error('not zulip');
  const http = createHttpClient({ fetch: (i, init) => fetch(i, init) });
  const credentials = { kind: 'basic' as const, username: target.email, password: target.apiKey };
  const url = `${target.url}/api/v1/users?client_gravatar=true&include_custom_profile_fields=true`;
  await http.getJson({ url, credentials, maxBytes: DIRECTORY_MAX_BYTES, timeoutMs: 180_000 }); // warm the fake
  const out: Record<string, unknown> = {};
  let watch = loopWatch();
  let t = performance.now();
  await http.getJson({ url, credentials, maxBytes: DIRECTORY_MAX_BYTES, timeoutMs: 180_000 });
  let loop = watch.stop();
  out.getJson = {
    ms: Math.round(performance.now() - t),
    loopMaxMs: +loop.maxGapMs.toFixed(1),
    longGaps: loop.longGaps,
  };
  const provider = createZulipProvider({ http });
  const session = {
    connectionId: 'c',
    baseUrl: target.url,
    loginEmail: target.email,
    secret: target.apiKey,
  };
  watch = loopWatch();
  t = performance.now();
  let users = 0;
  for await (const page of provider.fetchDirectory(session)) users += page.users.length;
  loop = watch.stop();
  out.fetchDirectory = {
    users,
    ms: Math.round(performance.now() - t),
    loopMaxMs: +loop.maxGapMs.toFixed(1),
    longGaps: loop.longGaps,
  };
  await fake.close();
  return out;
}
