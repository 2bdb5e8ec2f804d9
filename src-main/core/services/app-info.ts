/**
 * What the About box shows: version, platform, the keychain's state, the
 * cache's file, size and notices (a temporary or read-only cache says so),
 * and how much is cached.
 *
 * Node only; never imports `electron`.
 */
import { statSync } from 'node:fs';
import { platform } from 'node:os';
import type { AppInfo } from '@shared/model';
import type { AvatarStore } from '../store/avatar-store';
import type { ConnectionsRepo } from '../store/connections-repo';
import type { OpenedDatabase } from '../store/db';
import type { SecretStore } from '../store/secrets';
import type { UsersRepo } from '../store/users-repo';

/** The app:info channel. */
export interface AppInfoService {
  appInfo(): Promise<AppInfo>;
}

/** What the app-info service is built from. */
export interface AppInfoDeps {
  appVersion: string;
  userDataDir: string;
  cache: Pick<OpenedDatabase, 'path' | 'readOnly' | 'notices'>;
  /** Notices of start-up itself (a cache that could not be opened). */
  startupNotices: readonly string[];
  secrets: Pick<SecretStore, 'probe'>;
  connections: Pick<ConnectionsRepo, 'list'>;
  users: Pick<UsersRepo, 'count'>;
  avatars: Pick<AvatarStore, 'count'>;
}

/** The cache file's size on disk, its WAL included. */
function cacheSize(path: string): number {
  let sizeBytes = 0;
  for (const suffix of ['', '-wal']) {
    try {
      sizeBytes += statSync(path + suffix).size;
    } catch {
      // Not there (a temporary cache, or no WAL right now).
    }
  }
  return sizeBytes;
}

/** Builds the app-info service. */
export function createAppInfoService(deps: AppInfoDeps): AppInfoService {
  const { cache } = deps;
  return {
    async appInfo() {
      return {
        name: 'Rollcall',
        version: deps.appVersion,
        userDataDir: deps.userDataDir,
        platform: platform(),
        keychain: await deps.secrets.probe(),
        database: {
          path: cache.path,
          sizeBytes: cacheSize(cache.path),
          readOnly: cache.readOnly,
          notices: [...deps.startupNotices, ...cache.notices],
        },
        counts: {
          connections: deps.connections.list().length,
          users: deps.users.count(),
          avatars: deps.avatars.count(),
        },
      };
    },
  };
}
