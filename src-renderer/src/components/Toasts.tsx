/**
 * Short notices at the bottom of the window ("Copied", "Exported 342
 * users to ..."), announced politely to screen readers.
 *
 * Runs in the window.
 */
import { X } from 'lucide-react';
import { useUi } from '../stores/ui-store';

/** The notice stack. */
export function Toasts() {
  const toasts = useUi((s) => s.toasts);
  const dismiss = useUi((s) => s.dismissToast);
  return (
    <div className="toasts" role="status" aria-live="polite" data-testid="toasts">
      {toasts.map((t) => (
        <div key={t.id} className={`toast tone-${t.tone}`}>
          <span>{t.text}</span>
          <button
            type="button"
            className="icon-button"
            aria-label="Dismiss notice"
            onClick={() => dismiss(t.id)}
          >
            <X size={14} aria-hidden="true" />
          </button>
        </div>
      ))}
    </div>
  );
}
