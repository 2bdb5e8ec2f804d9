/**
 * Pictures for `rollcall-avatar://`: the cached file while it is fresh,
 * otherwise fetched again (with the key only for the server's own pictures),
 * stored, and served; "no picture" is a 204, so the window shows initials
 * without logging an error for every card. Every file served passes the
 * fetcher's picture check again, so a cache written by an older version
 * never hands the window a picture this one refuses. The demo stays offline.
 *
 * Node only; never imports `electron`.
 */
import { toRollcallError } from '@shared/errors';
import type { ConnectionKind } from '@shared/model';
import { avatarKeyOf } from '@shared/summary';
import type { FileAnswer } from '../app-page';
import type { Logger } from '../log';
import { checkPicture } from '../net/avatar-fetch';
import type { Provider, ProviderSession } from '../providers';
import { createSingleFlight } from '../single-flight';
import type { AvatarStore } from '../store/avatar-store';
import type { ConnectionsRepo } from '../store/connections-repo';
import type { UsersRepo } from '../store/users-repo';
import type { ConnectionAccess } from './connection-access';

/** How long a cached picture is served before it is fetched again (when online). */
export const AVATAR_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Serves the avatar protocol. */
export interface AvatarsService {
  serveAvatar(connectionId: string, userId: string): Promise<FileAnswer>;
}

/** What the avatars service is built from. */
export interface AvatarsDeps {
  access: ConnectionAccess;
  providers: Record<ConnectionKind, Provider>;
  connections: Pick<ConnectionsRepo, 'get'>;
  users: Pick<UsersRepo, 'get'>;
  avatars: AvatarStore;
  now: () => number;
  log: Logger;
}

/**
 * "No picture": 204, not 404, so the window's image simply fails to decode
 * and shows initials, without the browser logging an error for every card.
 */
function noPictureAnswer(): FileAnswer {
  return {
    status: 204,
    headers: { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' },
    body: new Uint8Array(0),
  };
}

/** A stored picture as the protocol answers it. */
function pictureAnswer(file: { contentType: string; bytes: Uint8Array }): FileAnswer {
  return {
    status: 200,
    headers: {
      'Content-Type': file.contentType,
      'Cache-Control': 'private, max-age=86400',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'",
    },
    body: file.bytes,
  };
}

/** Builds the avatars service. */
export function createAvatarsService(deps: AvatarsDeps): AvatarsService {
  const { access, providers, connections, users, avatars, now, log } = deps;
  const inFlight = createSingleFlight<boolean>();
  /** A stored picture checked again (it may predate a check), or "no picture" and why in the log. */
  const served = (
    connectionId: string,
    file: { contentType: string; bytes: Uint8Array },
  ): FileAnswer => {
    try {
      return pictureAnswer(checkPicture(file.bytes, file.contentType));
    } catch (thrown) {
      const error = toRollcallError(thrown);
      log.warn('a cached avatar is not shown', {
        connectionId,
        code: error.code,
        why: error.message,
      });
      return noPictureAnswer();
    }
  };
  return {
    async serveAvatar(connectionId, userId) {
      const record = users.get(connectionId, userId);
      const conn = connections.get(connectionId);
      if (!record || !conn) return noPictureAnswer();
      const source = record.user.avatar;
      if (source.kind === 'none') return noPictureAnswer();
      const key = avatarKeyOf(source);
      const stored = avatars.info(connectionId, userId);
      const fresh =
        stored !== null && stored.sourceKey === key && now() - stored.fetchedAt < AVATAR_MAX_AGE_MS;
      if (fresh) {
        const file = await avatars.get(connectionId, userId);
        if (file) return served(connectionId, file);
      }
      const offlineDemo = conn.demo && source.kind !== 'inline';
      if (!offlineDemo) {
        try {
          await inFlight.run(`${connectionId}\u0000${userId}`, async () => {
            // The keychain is read only for a picture that will carry the key.
            const session: ProviderSession = providers[conn.kind].avatarTakesKey(
              conn.baseUrl,
              source,
            )
              ? await access.session(conn)
              : { connectionId, baseUrl: conn.baseUrl, loginEmail: conn.loginEmail, secret: '' };
            const fetch = () => providers[conn.kind].fetchAvatar(session, record.user);
            const image =
              source.kind === 'server' ? await access.talk(connectionId, fetch) : await fetch();
            await avatars.put(connectionId, userId, {
              bytes: image.bytes,
              contentType: image.contentType,
              sourceKey: key,
            });
            return true;
          });
        } catch (thrown) {
          const error = toRollcallError(thrown);
          log.warn('an avatar could not be fetched', {
            connectionId,
            code: error.code,
            why: error.message,
          });
        }
      }
      const file = await avatars.get(connectionId, userId);
      return file ? served(connectionId, file) : noPictureAnswer();
    },
  };
}
