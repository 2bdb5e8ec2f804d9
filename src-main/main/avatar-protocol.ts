/**
 * Serves `rollcall-avatar://avatars/<connectionId>/<userId>` to the window
 * from core's avatar cache, which fetches with the connection's credentials
 * when it must. The window sees only image bytes, never a token or a
 * server URL. Registered privileged (standard, secure) but without
 * bypassing the CSP, which allows this scheme for images only.
 *
 * Runs in Electron's main process.
 */
import { protocol } from 'electron';
import { z } from 'zod';
import { connectionIdSchema, userIdSchema } from '@shared/contract';
import { AVATAR_HOST, AVATAR_SCHEME } from '@shared/csp';
import type { Core } from '../core/handlers';

/** Parses an avatar URL into its two IDs, or null when it is not one. */
export function parseAvatarUrl(raw: string): { connectionId: string; userId: string } | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== `${AVATAR_SCHEME}:` || url.host !== AVATAR_HOST) return null;
  const parts = url.pathname.split('/').filter((p) => p !== '');
  if (parts.length !== 2) return null;
  try {
    const [connectionId, userId] = parts.map((p) => decodeURIComponent(p));
    // The same ID rules as every channel of the contract.
    const ids = z
      .object({ connectionId: connectionIdSchema, userId: userIdSchema })
      .safeParse({ connectionId, userId });
    return ids.success ? ids.data : null;
  } catch {
    return null;
  }
}

/** Answers the avatar scheme from core. */
export function handleAvatarProtocol(core: Core): void {
  protocol.handle(AVATAR_SCHEME, async (request) => {
    const ids = request.method === 'GET' ? parseAvatarUrl(request.url) : null;
    if (!ids) return new Response(null, { status: 404 });
    const answer = await core.serveAvatar(ids.connectionId, ids.userId);
    return new Response(answer.status === 204 ? null : new Uint8Array(answer.body), {
      status: answer.status,
      headers: answer.headers,
    });
  });
}
