/**
 * Plans waiting to run, in memory only, under random IDs: a plan expires
 * after `PLAN_TTL_MS` (users change; an old preview must not be run), runs
 * at most once (a second run is refused, even after the first ended), and
 * the store holds a bounded number of them.
 *
 * Node only; never imports `electron`.
 */
import { randomBytes } from 'node:crypto';
import type { ActionPlan } from '@shared/actions';
import { fail } from '@shared/errors';

/** How long a preview may wait before it must be made again. */
export const PLAN_TTL_MS = 15 * 60 * 1000;

/** The most plans (waiting or run) remembered at once; the oldest go first. */
const MAX_PLANS = 50;

/** A random ID for a plan or a run: 128 bits, URL-safe. */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

interface Entry {
  /** Null once claimed: the store keeps only that it ran. */
  plan: ActionPlan | null;
  expiresAt: number;
}

/** The waiting plans. */
export interface PlanStore {
  add(plan: Omit<ActionPlan, 'planId' | 'createdAt'>): ActionPlan;
  /** The plan, if it may still run; throws in words when it is unknown, has run, or expired. */
  peek(planId: string): ActionPlan;
  /** Takes the plan to run it: from now on it cannot run again. */
  claim(planId: string): ActionPlan;
  /** Puts a claimed plan back when its run could not start at all. */
  release(plan: ActionPlan): void;
}

/** Builds an empty store on a clock. */
export function createPlanStore(now: () => number): PlanStore {
  const entries = new Map<string, Entry>();

  function peek(planId: string): ActionPlan {
    const entry = entries.get(planId);
    if (!entry) {
      fail(
        'NOT_FOUND',
        'That preview is no longer known (it is old, or Rollcall was restarted). Preview the action again.',
      );
    }
    if (!entry.plan) {
      fail(
        'INVALID_INPUT',
        'This plan has already run. Preview the action again to act on these users again.',
      );
    }
    if (now() > entry.expiresAt) {
      fail(
        'INVALID_INPUT',
        `This preview expired after ${PLAN_TTL_MS / 60_000} minutes; users may have changed since. Preview the action again.`,
      );
    }
    return entry.plan;
  }

  return {
    add(draft) {
      const at = now();
      for (const [id, e] of entries) {
        if (e.expiresAt + PLAN_TTL_MS < at) entries.delete(id);
      }
      while (entries.size >= MAX_PLANS) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
      const plan: ActionPlan = { ...draft, planId: randomId(), createdAt: at };
      entries.set(plan.planId, { plan, expiresAt: at + PLAN_TTL_MS });
      return plan;
    },
    peek,
    claim(planId) {
      const plan = peek(planId);
      const entry = entries.get(planId);
      if (entry) entry.plan = null;
      return plan;
    },
    release(plan) {
      const entry = entries.get(plan.planId);
      if (entry) entry.plan = plan;
    },
  };
}
