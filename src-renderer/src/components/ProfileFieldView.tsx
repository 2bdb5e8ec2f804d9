/**
 * One custom profile field's value, drawn by its type: links and external
 * accounts open in the system browser, person pickers show the people's
 * names (clickable), choices as a chip, dates as dates, long text as the
 * server's rendered HTML after DOMPurify.
 *
 * Runs in the window.
 */
import type { ProfileFieldValue } from '@shared/model';
import { personKey, useDetail } from '../stores/detail-store';
import { isWebUrl } from '../lib/sanitize';
import { calendarDate } from '../lib/time';
import { ExternalLink } from './ExternalLink';
import { SafeHtml } from './SafeHtml';

function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname === '/' ? '' : u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

function People({ connectionId, userIds }: { connectionId: string; userIds: string[] }) {
  const people = useDetail((s) => s.people);
  const openUser = useDetail((s) => s.openUser);
  if (userIds.length === 0) return <span className="muted">Nobody</span>;
  return (
    <span className="people">
      {userIds.map((id, i) => {
        const key = personKey(connectionId, id);
        const name = people.get(key);
        return (
          <span key={id}>
            <button
              type="button"
              className="person-link"
              onClick={() => void openUser(connectionId, id)}
              title={
                name === null ? `User ${id} is not cached yet: open to look them up` : `User ${id}`
              }
            >
              {name ?? (name === null ? `User ${id} (not cached yet)` : `User ${id}`)}
            </button>
            {i < userIds.length - 1 && ','}
          </span>
        );
      })}
    </span>
  );
}

/** The value of one field, by its type. */
export function ProfileFieldView({
  field,
  connectionId,
}: {
  field: ProfileFieldValue;
  connectionId: string;
}) {
  switch (field.type) {
    case 'link':
      return isWebUrl(field.url) ? (
        <ExternalLink url={field.url}>{shortUrl(field.url)}</ExternalLink>
      ) : (
        <span>{field.text || field.value}</span>
      );
    case 'external_account':
      return isWebUrl(field.url) ? (
        <ExternalLink url={field.url}>{field.text || field.value}</ExternalLink>
      ) : (
        <span>{field.text || field.value}</span>
      );
    case 'person':
      return <People connectionId={connectionId} userIds={field.userIds ?? []} />;
    case 'choice':
      return <span className="chip">{field.text || field.value}</span>;
    case 'date':
      return (
        <time dateTime={field.value} title={field.value}>
          {calendarDate(field.text || field.value)}
        </time>
      );
    case 'long_text':
      return field.renderedHtml ? (
        <SafeHtml html={field.renderedHtml} className="field-long" />
      ) : (
        <span className="pre-wrap">{field.text || field.value}</span>
      );
    default:
      return <span>{field.text || field.value}</span>;
  }
}
