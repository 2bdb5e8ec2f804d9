/**
 * The parts every form field shares: its label (with "(optional)" when it
 * is), the control, a hint and an error under it, wired so assistive
 * technology reads the hint and the error with the control
 * (`aria-describedby`) and knows when it is wrong (`aria-invalid`). The
 * hint and error carry the ids `<id>-hint` and `<id>-error`.
 *
 * Runs in the window.
 */
import { TriangleAlert } from 'lucide-react';
import type { InputHTMLAttributes, ReactNode } from 'react';

interface FieldProps {
  /** The control's id: the label points at it, the hint and error ids derive from it. */
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string;
  optional?: boolean;
}

/** The ids that describe a control: its hint, then its error, when shown. */
function describedBy(id: string, hint: boolean, error: boolean): string | undefined {
  return (
    [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined
  );
}

/** The attributes that tie a control to its field's hint and error. */
function fieldAria(
  id: string,
  hint: ReactNode,
  error: string | undefined,
): { 'aria-invalid': true | undefined; 'aria-describedby': string | undefined } {
  return {
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy(id, Boolean(hint), Boolean(error)),
  };
}

/** A field around any control (`children`): label, control, hint, error. */
function Field({
  id,
  label,
  hint,
  error,
  optional,
  children,
}: FieldProps & { children: ReactNode }) {
  return (
    <div className={error ? 'field has-error' : 'field'}>
      <label htmlFor={id} className="field-label">
        {label}
        {optional && <span className="muted"> (optional)</span>}
      </label>
      {children}
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error" data-testid={`${id}-error`}>
          <TriangleAlert size={12} aria-hidden="true" />
          {error}
        </p>
      )}
    </div>
  );
}

type InputProps = Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'id' | 'children' | 'aria-invalid' | 'aria-describedby'
>;

/** A field with a text-like input (`className` "input" unless given), and `after` it, say, a button. */
export function TextField({
  id,
  label,
  hint,
  error,
  optional,
  after,
  className = 'input',
  ...input
}: FieldProps & InputProps & { after?: ReactNode }) {
  return (
    <Field id={id} label={label} hint={hint} error={error} optional={optional}>
      <input id={id} className={className} {...input} {...fieldAria(id, hint, error)} />
      {after}
    </Field>
  );
}
