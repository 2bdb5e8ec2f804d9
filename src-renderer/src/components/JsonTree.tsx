/**
 * A JSON value as a collapsible tree (native details/summary, so it is
 * keyboard and screen-reader friendly), every key and value selectable.
 *
 * Runs in the window.
 */
import type { JsonValue } from '@shared/model';
import { cutToLength } from '@shared/text-caps';

/**
 * Characters of one string the tree draws: a server can send ten megabytes
 * in one field, and drawing them froze the window. Copy as JSON has it all.
 */
const SHOWN_STRING_MAX = 10_000;

function Scalar({ value }: { value: JsonValue }) {
  if (value === null) return <span className="json-null">null</span>;
  if (typeof value === 'string') {
    if (value.length <= SHOWN_STRING_MAX) {
      return <span className="json-string">{JSON.stringify(value)}</span>;
    }
    const shown = cutToLength(value, SHOWN_STRING_MAX);
    return (
      <span className="json-string">
        {JSON.stringify(shown).slice(0, -1)}…&quot;
        <span className="muted" data-testid="json-cut">
          {' '}
          ({(value.length - shown.length).toLocaleString()} more characters; Copy has them all)
        </span>
      </span>
    );
  }
  if (typeof value === 'number') return <span className="json-number">{String(value)}</span>;
  if (typeof value === 'boolean') return <span className="json-bool">{String(value)}</span>;
  return null;
}

function Node({
  name,
  value,
  depth,
  open,
}: {
  name: string | null;
  value: JsonValue;
  depth: number;
  open: boolean;
}) {
  const key = name !== null ? <span className="json-key">{JSON.stringify(name)}: </span> : null;
  if (value === null || typeof value !== 'object') {
    return (
      <div className="json-row">
        {key}
        <Scalar value={value} />
      </div>
    );
  }
  const entries: [string | null, JsonValue][] = Array.isArray(value)
    ? value.map((v) => [null, v])
    : Object.entries(value);
  const [openBracket, closeBracket] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    return (
      <div className="json-row">
        {key}
        <span className="json-punct">{openBracket + closeBracket}</span>
      </div>
    );
  }
  const n = entries.length;
  const count = Array.isArray(value)
    ? `${n} ${n === 1 ? 'item' : 'items'}`
    : `${n} ${n === 1 ? 'key' : 'keys'}`;
  return (
    <details className="json-node" open={open || depth < 2}>
      <summary>
        {key}
        <span className="json-punct">{openBracket}</span>
        <span className="json-count"> {count} </span>
      </summary>
      <div className="json-children">
        {entries.map(([k, v], i) => (
          <Node key={k ?? i} name={k} value={v} depth={depth + 1} open={open} />
        ))}
      </div>
      <span className="json-punct">{closeBracket}</span>
    </details>
  );
}

/** The whole value as a tree; `expandAll` opens every level. */
export function JsonTree({ value, expandAll = false }: { value: JsonValue; expandAll?: boolean }) {
  return (
    <div className="json-tree" data-testid="json-tree">
      <Node name={null} value={value} depth={0} open={expandAll} />
    </div>
  );
}
