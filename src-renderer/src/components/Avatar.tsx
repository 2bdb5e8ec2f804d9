/**
 * A user's picture through the `rollcall-avatar:` protocol, over initials
 * on a stable colour that show while it loads, when there is none, or when
 * it fails. The box never changes size, so nothing shifts when it loads.
 *
 * Runs in the window.
 */
import { useState } from 'react';
import { avatarColour, initials } from '../lib/avatar';
import type { PresenceTone } from '../lib/presence';

/** Pictures that failed once, so scrolling back does not ask again. */
const failed = new Set<string>();

interface AvatarProps {
  connectionId: string;
  userId: string;
  avatarKey: string | null;
  name: string;
  size: number;
  /** Draws the presence dot on the picture's corner. */
  presence?: PresenceTone;
}

/** The round picture with its fallback. Decorative: the name is always next to it. */
export function Avatar({ connectionId, userId, avatarKey, name, size, presence }: AvatarProps) {
  const src = avatarKey ? window.rollcall.avatarUrl(connectionId, userId, avatarKey) : null;
  const [loaded, setLoaded] = useState<string | null>(null);
  const [, setFailedTick] = useState(0);
  const showImage = src !== null && !failed.has(src);
  return (
    <span
      className="avatar"
      aria-hidden="true"
      style={{
        width: size,
        height: size,
        fontSize: Math.round(size * 0.38),
        backgroundColor: avatarColour(connectionId, userId),
      }}
    >
      <span className="avatar-initials">{initials(name)}</span>
      {showImage && (
        <img
          className={loaded === src ? 'avatar-img is-loaded' : 'avatar-img'}
          src={src}
          alt=""
          width={size}
          height={size}
          loading="lazy"
          decoding="async"
          draggable={false}
          onLoad={() => setLoaded(src)}
          onError={() => {
            failed.add(src);
            setFailedTick((n) => n + 1);
          }}
        />
      )}
      {presence && presence !== 'unknown' && (
        <span className={`presence-dot presence-${presence}`} />
      )}
    </span>
  );
}
