// Open WebUI's directory pages fetched a few at a time (openwebui.ts): the
// pages overlap on the wire but come out in order, with the same users as
// one page after another; a failed page fails the fetch after the pages
// before it; cancelling stops at once and aborts what is in flight; a
// server that gives no total is paged one page at a time. Real HTTP
// servers on 127.0.0.1, with answers slowed so pages overlap.
import type { ServerResponse } from 'node:http';
import { MessageChannel } from 'node:worker_threads';
import { relayedFetch, serveRelayedFetch, type RelayAnswer } from '@core/net/fetch-relay';
import { createOpenWebUIProvider, PAGE_CONCURRENCY } from '@core/providers/openwebui';
import type { DirectoryPage, ProviderSession } from '@core/providers';
import { sendJson, startFakeServer, type FakeControls } from '../fakes/fake-http';
import { failureOf, testClient } from '../fakes/test-client';

const PAGE = 30;

function user(i: number): Record<string, unknown> {
  return {
    id: `u-${String(i).padStart(4, '0')}`,
    name: `User ${i}`,
    email: `u${i}@example.com`,
    role: 'user',
    group_ids: [],
    created_at: 1_700_000_000 + i,
  };
}

/** A list endpoint of `count` users whose answers take `delayMs`, counting requests in flight. */
async function listServer(options: {
  count: number;
  delayMs: number;
  withTotal?: boolean;
  failPage?: number;
  /** Pages after the first take this long instead. */
  laterDelayMs?: number;
}): Promise<{ server: FakeControls; maxInFlight: () => number; pagesAsked: () => number[] }> {
  let inFlight = 0;
  let max = 0;
  const asked: number[] = [];
  const all = Array.from({ length: options.count }, (_, i) => user(i));
  const server = await startFakeServer(async (req, res: ServerResponse, url) => {
    if (url.pathname === '/api/v1/groups/') {
      sendJson(res, 200, '[]');
      return;
    }
    const page = Number(url.searchParams.get('page'));
    asked.push(page);
    inFlight++;
    max = Math.max(max, inFlight);
    let closed = false;
    res.on('close', () => (closed = true));
    const delay =
      page > 1 && options.laterDelayMs !== undefined ? options.laterDelayMs : options.delayMs;
    await new Promise((r) => setTimeout(r, delay));
    inFlight--;
    if (closed) return;
    if (page === options.failPage) {
      sendJson(res, 500, JSON.stringify({ detail: 'boom' }));
      return;
    }
    const users = all.slice((page - 1) * PAGE, page * PAGE);
    sendJson(
      res,
      200,
      JSON.stringify(options.withTotal === false ? { users } : { users, total: all.length }),
    );
  });
  return { server, maxInFlight: () => max, pagesAsked: () => asked };
}

const session = (url: string): ProviderSession => ({
  connectionId: 'oc',
  baseUrl: url,
  loginEmail: null,
  secret: 'sk-test-key-0000',
});

async function collect(gen: AsyncGenerator<DirectoryPage>): Promise<DirectoryPage[]> {
  const out: DirectoryPage[] = [];
  for await (const page of gen) out.push(page);
  return out;
}

describe('Open WebUI directory pages', () => {
  it('overlaps page requests but yields the pages in order, every user once', async () => {
    const { server, maxInFlight } = await listServer({ count: 1000, delayMs: 30 });
    try {
      const provider = createOpenWebUIProvider({ http: testClient() });
      const pages = await collect(provider.fetchDirectory(session(server.url)));
      const ids = pages.flatMap((p) => p.users.map((u) => u.user.userId));
      expect(ids).toEqual(Array.from({ length: 1000 }, (_, i) => user(i).id));
      expect(pages.map((p) => p.done)).toEqual(
        Array.from({ length: Math.ceil(1000 / PAGE) }, (_, i) => Math.min(1000, (i + 1) * PAGE)),
      );
      expect(maxInFlight()).toBeGreaterThan(1);
      expect(maxInFlight()).toBeLessThanOrEqual(PAGE_CONCURRENCY);
      // No page past the last one is asked for.
      const listed = server.requests.filter((r) => r.path === '/api/v1/users/');
      expect(listed).toHaveLength(Math.ceil(1000 / PAGE));
    } finally {
      await server.close();
    }
  });

  it('pages one at a time when told to', async () => {
    const { server, maxInFlight } = await listServer({ count: 200, delayMs: 5 });
    try {
      const provider = createOpenWebUIProvider({ http: testClient(), pageReadAhead: 1 });
      const pages = await collect(provider.fetchDirectory(session(server.url)));
      expect(pages.at(-1)?.done).toBe(200);
      expect(maxInFlight()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('fails after handing out the pages before a failed one', async () => {
    const { server } = await listServer({ count: 600, delayMs: 10, failPage: 4 });
    try {
      const provider = createOpenWebUIProvider({ http: testClient() });
      const seen: number[] = [];
      const error = await failureOf(
        (async () => {
          for await (const page of provider.fetchDirectory(session(server.url))) {
            seen.push(page.done);
          }
        })(),
      );
      expect(error.code).toBe('SERVER_ERROR');
      expect(seen).toEqual([30, 60, 90]);
    } finally {
      await server.close();
    }
  });

  it('stops at once when cancelled, aborting the pages in flight', async () => {
    const { server, pagesAsked } = await listServer({
      count: 3000,
      delayMs: 10,
      laterDelayMs: 60_000,
    });
    try {
      const provider = createOpenWebUIProvider({ http: testClient() });
      const controller = new AbortController();
      const gen = provider.fetchDirectory(session(server.url), { signal: controller.signal });
      const first = await gen.next();
      expect(first.done).toBe(false);
      await new Promise((r) => setTimeout(r, 50)); // let the read-ahead reach the server
      const asked = pagesAsked().length;
      expect(asked).toBeGreaterThan(1); // the next pages are already on their way
      const started = Date.now();
      const next = gen.next();
      controller.abort();
      const error = await failureOf(next);
      expect(error.code).toBe('CANCELLED');
      // Long before the 60 s the server takes to answer the pages in flight.
      expect(Date.now() - started).toBeLessThan(30_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(pagesAsked().length).toBe(asked); // nothing new was asked for
    } finally {
      await server.close();
    }
  });

  it('pages one at a time from a server that gives no total, stopping at the short page', async () => {
    const { server, maxInFlight } = await listServer({ count: 95, delayMs: 10, withTotal: false });
    try {
      const provider = createOpenWebUIProvider({ http: testClient() });
      const pages = await collect(provider.fetchDirectory(session(server.url)));
      expect(pages.map((p) => [p.users.length, p.total])).toEqual([
        [30, null],
        [30, null],
        [30, null],
        [5, null],
      ]);
      expect(maxInFlight()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('asks further ahead through a relay that holds the rest back: pages keep arriving while the reader is busy', async () => {
    const { server, maxInFlight, pagesAsked } = await listServer({ count: 3000, delayMs: 5 });
    // The sync worker's arrangement: its fetch crosses to a side that sends
    // PAGE_CONCURRENCY at a time (here over a real MessageChannel).
    const requests = new MessageChannel();
    const answers = new MessageChannel();
    const worker = relayedFetch((m) => requests.port1.postMessage(m));
    const main = serveRelayedFetch(
      (input, init) => fetch(input, init),
      (m, transfer) => answers.port1.postMessage(m, transfer ?? []),
      PAGE_CONCURRENCY,
    );
    requests.port2.on('message', main.handle);
    answers.port2.on('message', (m: RelayAnswer) => worker.receive(m));
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const provider = createOpenWebUIProvider({
        http: testClient({ fetch: worker.fetch }),
        pageReadAhead: 4 * PAGE_CONCURRENCY,
      });
      const gen = provider.fetchDirectory(session(server.url));
      const first = await gen.next();
      expect(first.done).toBe(false);
      // The reader is busy with page 1; the pages it asked for go on arriving.
      await vi.waitFor(() => expect(pagesAsked()).toContain(1 + 4 * PAGE_CONCURRENCY), {
        timeout: 10_000,
      });
      expect(Math.max(...pagesAsked())).toBe(1 + 4 * PAGE_CONCURRENCY);
      const ids = [...(first.value?.users ?? [])].map((u) => u.user.userId);
      for (let next = await gen.next(); !next.done; next = await gen.next()) {
        ids.push(...next.value.users.map((u) => u.user.userId));
      }
      expect(ids).toEqual(Array.from({ length: 3000 }, (_, i) => user(i).id));
      expect(maxInFlight()).toBeLessThanOrEqual(PAGE_CONCURRENCY);
      expect(pagesAsked()).toHaveLength(100);
      // Two dozen pages in flight are no listener leak to warn about.
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      main.close();
      for (const port of [requests.port1, requests.port2, answers.port1, answers.port2])
        port.close();
      await server.close();
    }
  });
});
