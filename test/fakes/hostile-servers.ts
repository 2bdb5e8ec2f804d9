/**
 * The two fake servers in hostile mode, each serving the whole corpus and
 * pointing its cross-origin cases at the other: what both the core and the
 * window halves of the security suite run against.
 *
 * Runs in Node (tests).
 */
import { HOSTILE_CASES } from './hostile-corpus';
import { hostileMode } from './hostile-world';
import { startOpenWebUIFake, type OpenWebUIFake } from './openwebui-fake';
import { startZulipFake, type ZulipFake } from './zulip-fake';

/** Starts a Zulip and an Open WebUI fake, both answering with the hostile corpus. */
export async function startHostileServers(): Promise<{ zulip: ZulipFake; owui: OpenWebUIFake }> {
  const zulip = await startZulipFake({ count: 60 });
  const owui = await startOpenWebUIFake({ count: 30 });
  zulip.setMode(
    hostileMode({
      product: 'zulip',
      cases: HOSTILE_CASES,
      origin: zulip.url,
      otherOrigin: owui.url,
    }),
  );
  owui.setMode(
    hostileMode({
      product: 'openwebui',
      cases: HOSTILE_CASES,
      origin: owui.url,
      otherOrigin: zulip.url,
    }),
  );
  return { zulip, owui };
}
