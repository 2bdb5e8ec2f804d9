/**
 * The labelled rows the detail panel is made of: a titled section, a
 * label/value row that says "Not set" for nothing, a date with its age,
 * and monospace text for IDs.
 *
 * Runs in the window.
 */
import { useId, type ReactNode } from 'react';
import { absoluteDate, absoluteDateTime, relativeTime } from '../lib/time';

/** A titled group of rows. */
export function Section({
  title,
  children,
  testId,
}: {
  title: string;
  children: ReactNode;
  testId?: string;
}) {
  const id = useId();
  return (
    <section className="detail-section" aria-labelledby={id} data-testid={testId}>
      <h3 id={id}>{title}</h3>
      <dl className="kv">{children}</dl>
    </section>
  );
}

/** One label and its value; nothing reads "Not set". */
export function Row({
  label,
  children,
  hint,
}: {
  label: string;
  children: ReactNode;
  hint?: string;
}) {
  const empty = children === null || children === undefined || children === '';
  return (
    <div className="kv-row">
      <dt>
        {label}
        {hint && <span className="kv-hint">{hint}</span>}
      </dt>
      <dd>{empty ? <span className="muted">Not set</span> : children}</dd>
    </div>
  );
}

/** A date with its age ("· 3 days ago"), exact in its tooltip. */
export function When({
  at,
  now,
  dateOnly,
}: {
  at: number | null;
  now: number;
  dateOnly?: boolean;
}) {
  if (at === null) return null;
  return (
    <time dateTime={new Date(at).toISOString()} title={absoluteDateTime(at)}>
      {dateOnly ? absoluteDate(at) : absoluteDateTime(at)}
      <span className="muted"> · {relativeTime(at, now)}</span>
    </time>
  );
}

/** IDs and other code-like text. */
export function Mono({ children }: { children: ReactNode }) {
  return <code className="mono">{children}</code>;
}
