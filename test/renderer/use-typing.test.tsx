// "Typing" lasts until the text has been quiet for a while, whatever the
// text: a word typed and cleared is still typing, so the clear draws light
// cards too.
import { act, renderHook } from '@testing-library/react';
import { useTyping } from '@renderer/components/use-typing';

describe('useTyping', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const typingOver = (first: string) =>
    renderHook(({ text }: { text: string }) => useTyping(text, 300), {
      initialProps: { text: first },
    });

  it('is typing from the first change until the text is quiet for the wait', () => {
    const { result, rerender } = typingOver('');
    expect(result.current).toBe(false);
    rerender({ text: 'm' });
    expect(result.current).toBe(true);
    act(() => vi.advanceTimersByTime(299));
    expect(result.current).toBe(true);
    act(() => vi.advanceTimersByTime(1));
    expect(result.current).toBe(false);
  });

  it('restarts the wait on every change, a clear back to the quiet text included', () => {
    const { result, rerender } = typingOver('');
    rerender({ text: 'm' });
    act(() => vi.advanceTimersByTime(200));
    rerender({ text: 'mü' });
    act(() => vi.advanceTimersByTime(200));
    // Cleared: the text is the one it was quiet at, and the admin is still typing.
    rerender({ text: '' });
    expect(result.current).toBe(true);
    act(() => vi.advanceTimersByTime(299));
    expect(result.current).toBe(true);
    act(() => vi.advanceTimersByTime(1));
    expect(result.current).toBe(false);
  });

  it('does not start typing when another render keeps the same text', () => {
    const { result, rerender } = typingOver('anna');
    rerender({ text: 'anna' });
    expect(result.current).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
