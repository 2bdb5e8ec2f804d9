// Opening a card: the panel's first frame is drawn from the card's summary,
// and the full record, however soon it answers, goes in the frame after.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ok } from '@shared/errors';
import { summarize } from '@shared/summary';
import { useDetail } from '@renderer/stores/detail-store';
import { installFakeBridge } from './fake-bridge';
import { lookupResult, zulipAllFieldsUser } from './fixtures';

describe('opening a card from its summary', () => {
  const record = zulipAllFieldsUser();
  const summary = summarize(record.user, record.goneAt);
  const fresh = { ...record, user: { ...record.user, name: 'Cordelia Lear-Renamed' } };
  let frames: FrameRequestCallback[];

  beforeEach(() => {
    useDetail.getState().reset();
    installFakeBridge({
      'users:get': () => ok(record),
      'users:lookup': () => ok(lookupResult(fresh, { source: 'network' })),
    });
    frames = [];
    vi.spyOn(window, 'requestAnimationFrame').mockImplementation((callback) => {
      frames.push(callback);
      return frames.length;
    });
    // Timers are faked so the no-frame fallback fires only when a test says, not on a slow machine.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('holds an answer that came before the first frame until that frame is out', async () => {
    const opening = useDetail.getState().openSummary(summary);
    expect(useDetail.getState().summary?.userId).toBe(record.user.userId);
    // The cached copy has answered (its promise settles in microtasks)...
    for (let i = 0; i < 20; i++) await Promise.resolve();
    // ...but the panel still shows the summary alone, loading.
    expect(useDetail.getState().record).toBeNull();
    expect(useDetail.getState().loading).toBe(true);
    // The first frame shows the summary; the record goes in at the start of the next.
    expect(frames).toHaveLength(1);
    frames[0]?.(performance.now());
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(useDetail.getState().record).toBeNull();
    frames[1]?.(performance.now());
    await opening;
    expect(useDetail.getState().record?.user.userId).toBe(record.user.userId);
    expect(useDetail.getState().loading).toBe(false);
  });

  it('fills the panel anyway when no frame comes (a hidden window)', async () => {
    const opening = useDetail.getState().openSummary(summary);
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(useDetail.getState().record).toBeNull();
    await vi.advanceTimersByTimeAsync(60);
    await opening;
    expect(useDetail.getState().record?.user.userId).toBe(record.user.userId);
  });

  it('does not wait for a frame when there is no summary to draw first', async () => {
    await useDetail.getState().openUser(record.user.connectionId, record.user.userId);
    expect(frames).toHaveLength(0);
    expect(useDetail.getState().record?.user.userId).toBe(record.user.userId);
  });

  it('drops a held answer when the admin has moved to another user meanwhile', async () => {
    const opening = useDetail.getState().openSummary(summary);
    for (let i = 0; i < 20; i++) await Promise.resolve();
    useDetail.getState().close();
    frames[0]?.(performance.now());
    frames[1]?.(performance.now());
    await opening;
    expect(useDetail.getState().record).toBeNull();
    expect(useDetail.getState().target).toBeNull();
  });

  it('keeps a refresh that answered while the cached copy waited for its frame', async () => {
    const opening = useDetail.getState().openSummary(summary);
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await useDetail.getState().refresh();
    expect(useDetail.getState().record?.user.name).toBe('Cordelia Lear-Renamed');
    frames[0]?.(performance.now());
    frames[1]?.(performance.now());
    await opening;
    // The older copy from the cache does not replace it.
    expect(useDetail.getState().record?.user.name).toBe('Cordelia Lear-Renamed');
    expect(useDetail.getState().origin.source).toBe('network');
    expect(useDetail.getState().loading).toBe(false);
  });
});
