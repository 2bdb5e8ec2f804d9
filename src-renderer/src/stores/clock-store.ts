/**
 * One shared "now" that ticks every 30 s, so presence ("Active now"),
 * relative dates and local times stay current without each card running
 * its own timer.
 *
 * Runs in the window.
 */
import { create } from 'zustand';

/** How often the shared clock ticks. */
export const CLOCK_TICK_MS = 30_000;

interface ClockState {
  now: number;
  tick(): void;
}

/** The shared clock. */
export const useClock = create<ClockState>()((set) => ({
  now: Date.now(),
  tick: () => set({ now: Date.now() }),
}));
