/**
 * The bundled demo: a few hundred synthetic users across one Zulip-like
 * and one Open-WebUI-like connection, generated from a fixed seed and put
 * through the real normalizers, so a newcomer sees real cards in one click
 * with no server at all. It never touches the network: pictures are only
 * the inline ones; the rest show initials.
 *
 * Node only; never imports `electron`.
 */
import type { Emit } from '../deps';
import type { ConnectionsRepo } from '../store/connections-repo';
import type { MetaRepo } from '../store/meta-repo';
import { createProgressPacer } from '../progress';
import {
  normalizeOpenWebUIUser,
  normalizeZulipProfileFields,
  normalizeZulipUser,
  type OpenWebUIContext,
  type ZulipContext,
} from '../providers';
import { openWebUIGroupNames } from '../providers/openwebui-user';
import { zulipGroupsOf, zulipPresenceOf } from '../providers/zulip-wire';
import { generateOpenWebUIDirectory } from './synthetic/openwebui-instance';
import { generateZulipDirectory } from './synthetic/zulip-organization';
import type { UsersRepo } from '../store/users-repo';
import type { UserWrite } from '../store/users-rows';
import type { DirectoryUser, JsonValue, SyncSummary } from '@shared/model';
import { rollcallError, RollcallFailure, toRollcallError } from '@shared/errors';

/** The two demo connections' fixed IDs. */
export const DEMO_CONNECTION_IDS = ['demo-zulip', 'demo-openwebui'] as const;

const DEMO = {
  'demo-zulip': {
    kind: 'zulip' as const,
    // Short enough for the sidebar; its row already says Demo and shows the kind.
    label: 'Acme Chat',
    baseUrl: 'https://chat.acme.demo.invalid',
    seed: 20261123,
    count: 240,
  },
  'demo-openwebui': {
    kind: 'openwebui' as const,
    label: 'Acme AI',
    baseUrl: 'https://ai.acme.demo.invalid',
    seed: 20261124,
    count: 120,
  },
};

/** A demo user as cached: no network, so only inline pictures are kept. */
export function offlineDemoUser(user: DirectoryUser): DirectoryUser {
  return { ...user, avatar: user.avatar.kind === 'inline' ? user.avatar : { kind: 'none' } };
}

/** A demo user and its payload, ready to cache. */
function offlineWrite(user: DirectoryUser, raw: unknown, now: number): UserWrite {
  return { user: offlineDemoUser(user), raw: raw as JsonValue, fetchedAt: now };
}

function zulipWrites(
  connectionId: string,
  baseUrl: string,
  now: number,
): { writes: UserWrite[]; context: ZulipContext } {
  const dir = generateZulipDirectory({
    seed: DEMO['demo-zulip'].seed,
    count: DEMO['demo-zulip'].count,
    nowMs: now,
  });
  const context: ZulipContext = {
    kind: 'zulip',
    fetchedAt: now,
    profileFields: normalizeZulipProfileFields(dir.profileFields),
    ...zulipGroupsOf({ user_groups: dir.userGroups }),
  };
  const writes = dir.members.map((raw) =>
    offlineWrite(
      normalizeZulipUser(raw, {
        connectionId,
        baseUrl,
        context,
        presence: zulipPresenceOf(dir.presences[raw.email]),
      }),
      raw,
      now,
    ),
  );
  return { writes, context };
}

function openWebUIWrites(
  connectionId: string,
  baseUrl: string,
  now: number,
): { writes: UserWrite[]; context: OpenWebUIContext } {
  const dir = generateOpenWebUIDirectory({
    seed: DEMO['demo-openwebui'].seed,
    count: DEMO['demo-openwebui'].count,
    nowMs: now,
  });
  const context: OpenWebUIContext = {
    kind: 'openwebui',
    fetchedAt: now,
    groupNames: openWebUIGroupNames(dir.groups),
  };
  const writes = dir.users.map((raw) =>
    offlineWrite(normalizeOpenWebUIUser(raw, { connectionId, baseUrl, context }), raw, now),
  );
  return { writes, context };
}

/**
 * Creates (or refreshes) the demo connections and fills them, reporting
 * progress like a sync. `only` limits it to one of them (a demo "sync").
 */
export async function loadDemoDirectory(deps: {
  connections: ConnectionsRepo;
  users: UsersRepo;
  meta: MetaRepo;
  now: () => number;
  emit: Emit;
  only?: string;
  signal?: AbortSignal;
}): Promise<Record<string, SyncSummary>> {
  const out: Record<string, SyncSummary> = {};
  for (const id of DEMO_CONNECTION_IDS) {
    if (deps.only && deps.only !== id) continue;
    const spec = DEMO[id];
    const startedAt = deps.now();
    const pacer = createProgressPacer({
      connectionId: id,
      emit: (p) => deps.emit('directory:sync-progress', p),
      now: deps.now,
    });
    try {
      await deps.connections.save({
        id,
        kind: spec.kind,
        label: spec.label,
        baseUrl: spec.baseUrl,
        demo: true,
      });
      const { writes, context } =
        spec.kind === 'zulip'
          ? zulipWrites(id, spec.baseUrl, startedAt)
          : openWebUIWrites(id, spec.baseUrl, startedAt);
      deps.meta.set(id, 'provider-context', context as unknown as JsonValue, startedAt);
      if (context.kind === 'zulip')
        deps.meta.setProfileFields(id, context.profileFields, startedAt);
      pacer.update({
        phase: 'writing',
        done: 0,
        total: writes.length,
        message: 'Generating the demo directory…',
      });
      const counts = await deps.users.upsertBatch(writes, {
        seenAt: startedAt,
        ...(deps.signal ? { signal: deps.signal } : {}),
        onChunk: (c) => pacer.update({ done: c.done }),
      });
      const gone = await deps.users.markMissingAsGone(id, startedAt, deps.now());
      const summary: SyncSummary = {
        ...counts,
        gone,
        total: writes.length,
        startedAt,
        finishedAt: deps.now(),
        unreadable: 0,
        unreadableReason: null,
      };
      deps.connections.setLastSync(id, summary);
      pacer.finish({
        phase: 'done',
        done: writes.length,
        total: writes.length,
        summary,
        message: `Demo directory ready: ${writes.length} users.`,
      });
      out[id] = summary;
    } catch (thrown) {
      const error = toRollcallError(thrown);
      if (deps.signal?.aborted || error.code === 'CANCELLED') {
        // Said as calmly as a real sync's cancel: the users written so far are kept.
        const cancelled = rollcallError(
          'CANCELLED',
          'The sync was cancelled; users saved so far are kept.',
        );
        pacer.finish({ phase: 'cancelled', error: cancelled, message: cancelled.message });
        throw new RollcallFailure(cancelled);
      }
      pacer.finish({ phase: 'failed', error, message: 'The demo directory could not be created.' });
      throw thrown;
    }
  }
  return out;
}
