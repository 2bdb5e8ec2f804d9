/**
 * A segmented control: a radio group drawn as joined buttons, for small
 * exclusive choices (humans/bots, active/deactivated, server kind).
 *
 * Runs in the window.
 */
import { useId, type ReactNode } from 'react';

interface SegmentedProps<T extends string> {
  label: string;
  value: T;
  options: { value: T; label: ReactNode; testId?: string }[];
  onChange: (value: T) => void;
  /** Shows the group's label in front of the buttons. */
  showLabel?: boolean;
  disabled?: boolean;
}

/** A labelled group of radio buttons. */
export function Segmented<T extends string>({
  label,
  value,
  options,
  onChange,
  showLabel,
  disabled,
}: SegmentedProps<T>) {
  const name = useId();
  return (
    <div className="segmented" role="radiogroup" aria-label={label}>
      {showLabel && (
        <span className="segmented-label" aria-hidden="true">
          {label}
        </span>
      )}
      {options.map((o) => (
        <label
          key={o.value}
          className={o.value === value ? 'segment is-selected' : 'segment'}
          data-testid={o.testId}
        >
          <input
            type="radio"
            name={name}
            value={o.value}
            checked={o.value === value}
            disabled={disabled}
            onChange={() => onChange(o.value)}
          />
          <span>{o.label}</span>
        </label>
      ))}
    </div>
  );
}
