// fetch across a thread (net/fetch-relay.ts), over a real MessageChannel so
// transfers detach buffers as they do between the sync worker and main: the
// answer arrives whole, and no chunk the main side's fetch still holds (a
// tee, a recorder, a replayed body) is detached under it.
import { MessageChannel } from 'node:worker_threads';
import {
  CHUNKS_PER_TURN,
  relayedFetch,
  serveRelayedFetch,
  type RelayAnswer,
  type RelayRequest,
} from '@core/net/fetch-relay';
import type { FetchLike } from '@core/deps';

function relay(
  mainFetch: FetchLike,
  maxInFlight?: number,
): { fetch: FetchLike; close(): void; handled: RelayRequest[] } {
  const requests = new MessageChannel();
  const answers = new MessageChannel();
  const worker = relayedFetch((message) => requests.port1.postMessage(message));
  const main = serveRelayedFetch(
    mainFetch,
    (message, transfer) => answers.port1.postMessage(message, transfer ?? []),
    maxInFlight,
  );
  const handled: RelayRequest[] = [];
  requests.port2.on('message', (m: RelayRequest) => {
    main.handle(m);
    handled.push(m);
  });
  answers.port2.on('message', (m: RelayAnswer) => worker.receive(m));
  return {
    fetch: worker.fetch,
    handled,
    close() {
      main.close();
      for (const port of [requests.port1, requests.port2, answers.port1, answers.port2]) {
        port.close();
      }
    },
  };
}

/** A body of `chunks` buffers, each its own whole ArrayBuffer, that its maker keeps. */
function keptChunks(count: number, size: number): Uint8Array<ArrayBuffer>[] {
  return Array.from({ length: count }, (_, k) => new Uint8Array(size).fill(65 + k));
}

function streamOf(chunks: readonly Uint8Array<ArrayBuffer>[]): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[at++];
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

describe('fetch relayed across a thread', () => {
  it('hands the answer over whole: status, headers, body', async () => {
    const chunks = keptChunks(3, 1000);
    const { fetch, close } = relay(
      async () =>
        new Response(streamOf(chunks), {
          status: 203,
          headers: { 'content-type': 'application/json', 'x-rollcall': 'yes' },
        }),
    );
    try {
      const response = await fetch('https://chat.example/api/v1/users', {
        headers: { authorization: 'Basic eA==' },
      });
      expect(response.status).toBe(203);
      expect(response.headers.get('x-rollcall')).toBe('yes');
      const text = await response.text();
      expect(text).toBe('A'.repeat(1000) + 'B'.repeat(1000) + 'C'.repeat(1000));
    } finally {
      close();
    }
  });

  it('never detaches a chunk the main side still holds', async () => {
    // The maker keeps every chunk it hands out (as a recorder, a tee or a
    // replayed body does) and reads them again after the relay is done.
    const chunks = keptChunks(4, 4096);
    const { fetch, close } = relay(async () => new Response(streamOf(chunks)));
    try {
      const first = await (await fetch('https://chat.example/a')).arrayBuffer();
      expect(first.byteLength).toBe(4 * 4096);
      for (const [k, chunk] of chunks.entries()) {
        expect(chunk.byteLength).toBe(4096);
        expect(chunk[0]).toBe(65 + k);
      }
      // The same kept body served again (the bench's replay) still reads whole.
      const again = await (await fetch('https://chat.example/a')).arrayBuffer();
      expect(new Uint8Array(again)).toEqual(new Uint8Array(first));
    } finally {
      close();
    }
  });

  it('leaves the other branch of a tee readable', async () => {
    const chunks = keptChunks(2, 2048);
    let other: ReadableStream<Uint8Array> | null = null;
    const { fetch, close } = relay(async () => {
      const [mine, theirs] = streamOf(chunks).tee();
      other = theirs;
      return new Response(mine);
    });
    try {
      const relayed = await (await fetch('https://chat.example/b')).arrayBuffer();
      expect(relayed.byteLength).toBe(2 * 2048);
      const kept = await new Response(other).arrayBuffer();
      expect(new Uint8Array(kept)).toEqual(new Uint8Array(relayed));
    } finally {
      close();
    }
  });

  it('gives the main loop turns while it relays a body already received', async () => {
    // Every chunk is there at once: reading them needs no I/O, only microtasks.
    const chunks = keptChunks(10 * CHUNKS_PER_TURN, 16);
    // The turns of the main loop seen when each chunk was sent on.
    const turnsAt: number[] = [];
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    let ended: () => void = () => {};
    const end = new Promise<void>((resolve) => (ended = resolve));
    const main = serveRelayedFetch(
      async () => new Response(streamOf(chunks)),
      (message) => {
        if (message.t === 'chunk') turnsAt.push(turns);
        if (message.t === 'end' || message.t === 'error') ended();
      },
    );
    setImmediate(tick);
    main.handle({
      t: 'fetch',
      id: 1,
      url: 'https://chat.example/users',
      init: {
        method: 'GET',
        headers: [],
        body: null,
        redirect: 'follow',
        credentials: 'omit',
        cache: null,
      },
    });
    await end;
    ticking = false;
    expect(turnsAt).toHaveLength(chunks.length);
    // At least one turn per CHUNKS_PER_TURN chunks between the first and the last.
    const first = turnsAt[0] as number;
    const last = turnsAt[turnsAt.length - 1] as number;
    expect(last - first).toBeGreaterThanOrEqual(chunks.length / CHUNKS_PER_TURN - 1);
  });

  it('sends at most maxInFlight at once, the rest in order as each ends', async () => {
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const { fetch, close } = relay(async (input) => {
      started.push(String(input));
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => release.push(resolve));
      running--;
      return new Response(String(input));
    }, 2);
    try {
      const answers = ['a', 'b', 'c', 'd', 'e'].map((u) =>
        fetch(`https://x.example/${u}`).then((r) => r.text()),
      );
      await vi.waitFor(() => expect(started).toHaveLength(2));
      // Nothing more goes out while both are open.
      await new Promise((r) => setTimeout(r, 20));
      expect(started).toHaveLength(2);
      for (let k = 0; k < 5; k++) {
        await vi.waitFor(() => expect(release.length).toBeGreaterThan(k));
        release[k]!();
      }
      expect(await Promise.all(answers)).toEqual(
        ['a', 'b', 'c', 'd', 'e'].map((u) => `https://x.example/${u}`),
      );
      expect(started).toEqual(['a', 'b', 'c', 'd', 'e'].map((u) => `https://x.example/${u}`));
      expect(most).toBe(2);
    } finally {
      close();
    }
  });

  it('never sends a waiting request that was aborted, and the next one takes its turn', async () => {
    const started: string[] = [];
    const release: (() => void)[] = [];
    const { fetch, close, handled } = relay(async (input) => {
      started.push(String(input));
      await new Promise<void>((resolve) => release.push(resolve));
      return new Response('ok');
    }, 1);
    try {
      const first = fetch('https://x.example/1');
      const controller = new AbortController();
      const second = fetch('https://x.example/2', { signal: controller.signal });
      const third = fetch('https://x.example/3').then((r) => r.text());
      await vi.waitFor(() => expect(started).toEqual(['https://x.example/1']));
      controller.abort();
      await expect(second).rejects.toThrow(/aborted/);
      // Once the main side has the abort, the first one ends.
      await vi.waitFor(() => expect(handled.map((m) => m.t)).toContain('abort'));
      release[0]!();
      await first;
      await vi.waitFor(() => expect(started).toHaveLength(2));
      release[1]!();
      expect(await third).toBe('ok');
      expect(started).toEqual(['https://x.example/1', 'https://x.example/3']);
    } finally {
      close();
    }
  });
});
