/**
 * Acting on users: plan, run, cancel, and the audit log. Placeholder until
 * issue 15's service lands; every channel answers NOT_IMPLEMENTED.
 *
 * Node only; never imports `electron`.
 */
import type { ParsedArgOf, ResultOf } from '@shared/contract';
import { fail } from '@shared/errors';

/** The actions:* and audit:* channels. */
export interface ActionsService {
  available(arg: ParsedArgOf<'actions:available'>): Promise<ResultOf<'actions:available'>>;
  plan(arg: ParsedArgOf<'actions:plan'>): Promise<ResultOf<'actions:plan'>>;
  run(arg: ParsedArgOf<'actions:run'>): Promise<ResultOf<'actions:run'>>;
  cancel(arg: ParsedArgOf<'actions:cancel'>): Promise<ResultOf<'actions:cancel'>>;
  listAudit(arg: ParsedArgOf<'audit:list'>): Promise<ResultOf<'audit:list'>>;
  exportAudit(arg: ParsedArgOf<'audit:export'>): Promise<ResultOf<'audit:export'>>;
}

/** Builds the placeholder service. */
export function createActionsService(): ActionsService {
  const notYet = (): never => fail('NOT_IMPLEMENTED', 'Acting on users is not available yet.');
  return {
    available: async () => notYet(),
    plan: async () => notYet(),
    run: async () => notYet(),
    cancel: async () => notYet(),
    listAudit: async () => notYet(),
    exportAudit: async () => notYet(),
  };
}
