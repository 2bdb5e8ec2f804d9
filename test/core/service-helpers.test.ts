import { vi } from 'vitest';
import { createProgressPacer } from '@core/progress';
import { createReachabilityTracker } from '@core/net/reachability';
import { createSingleFlight } from '@core/single-flight';
import { rollcallError } from '@shared/errors';
import type { SyncProgress } from '@shared/model';

describe('reachability', () => {
  it('goes offline on an unreachable server, online on any answer, and says since when', () => {
    let t = 1000;
    const changes: string[] = [];
    const r = createReachabilityTracker(
      () => t,
      (id) => changes.push(id),
    );
    expect(r.get('c1').state).toBe('unknown');
    r.failed('c1', rollcallError('OFFLINE'));
    expect(r.get('c1')).toMatchObject({
      state: 'offline',
      since: 1000,
      error: { code: 'OFFLINE' },
    });
    t = 2000;
    r.failed('c1', rollcallError('OFFLINE'));
    expect(r.get('c1').since).toBe(1000);
    r.failed('c1', rollcallError('TIMEOUT'));
    expect(r.get('c1')).toMatchObject({
      state: 'offline',
      since: 1000,
      error: { code: 'TIMEOUT' },
    });
    t = 3000;
    r.failed('c1', rollcallError('NOT_FOUND'));
    expect(r.get('c1')).toEqual({ state: 'online', since: 3000, error: null });
    r.failed('c1', rollcallError('UNAUTHORIZED'));
    expect(r.get('c1').state).toBe('unauthorized');
    r.failed('c1', rollcallError('CANCELLED'));
    expect(r.get('c1').state).toBe('unauthorized');
    r.answered('c1');
    expect(r.get('c1').state).toBe('online');
    expect(changes).toEqual(['c1', 'c1', 'c1', 'c1', 'c1']);
  });
});

describe('progress pacing', () => {
  afterEach(() => vi.useRealTimers());

  it('sends phase changes at once, throttles counts, and beats while idle', () => {
    vi.useFakeTimers();
    const sent: SyncProgress[] = [];
    const pacer = createProgressPacer({
      connectionId: 'c1',
      emit: (p) => sent.push(p),
      now: () => Date.now(),
      minGapMs: 50,
      heartbeatMs: 200,
    });
    expect(sent.map((p) => p.phase)).toEqual(['starting']);
    pacer.update({ phase: 'fetching', done: 0, total: 100 });
    for (let i = 1; i <= 10; i++) pacer.update({ done: i });
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(60);
    pacer.update({ done: 11 });
    expect(sent.at(-1)?.done).toBe(11);
    const before = sent.length;
    vi.advanceTimersByTime(1000);
    const beats = sent.slice(before);
    expect(beats.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < beats.length; i++) {
      expect(beats[i]!.at - beats[i - 1]!.at).toBeLessThanOrEqual(250);
    }
    pacer.finish({ phase: 'done', done: 100 });
    const after = sent.length;
    vi.advanceTimersByTime(1000);
    expect(sent.length).toBe(after);
    expect(sent.at(-1)).toMatchObject({ phase: 'done', done: 100 });
  });
});

describe('single flight', () => {
  it('shares one run between identical calls in flight and forgets it after', async () => {
    const sf = createSingleFlight<number>();
    let started = 0;
    let release!: (n: number) => void;
    const start = () => {
      started++;
      return new Promise<number>((r) => (release = r));
    };
    const a = sf.run('k', start);
    const b = sf.run('k', start);
    expect(started).toBe(1);
    release(7);
    expect(await Promise.all([a, b])).toEqual([7, 7]);
    expect(sf.has('k')).toBe(false);
    await sf.run('k', async () => 8);
    expect(started).toBe(1);
  });
});
