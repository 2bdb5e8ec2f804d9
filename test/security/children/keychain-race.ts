// Child of keychain-faults.test.ts: what the app does at start-up, many times
// at once: listing the keychain's entries (the connection list) while probing
// it (the About box, a lookup without a key), through two stores. libsecret
// answers a listing that meets an entry being deleted with no secret, which
// keytar dereferenced: a crash of the whole process. It must not crash.
import { createKeytarSecretStore } from '@core/store/secrets';

export async function main(args: { rounds: number }): Promise<unknown> {
  const a = createKeytarSecretStore();
  const b = createKeytarSecretStore();
  let listed = 0;
  let probed = 0;
  const errors: string[] = [];
  for (let i = 0; i < args.rounds; i++) {
    const results = await Promise.allSettled([
      a.probe(),
      b.list(),
      b.probe(),
      a.list(),
      a.get('race-missing'),
    ]);
    for (const r of results) {
      if (r.status === 'rejected') errors.push(String(r.reason));
    }
    listed += 2;
    probed += 2;
  }
  return { listed, probed, errors: errors.slice(0, 5) };
}
