/**
 * A button that opens a small popover (menus, filter pickers). The popover
 * closes on Esc, on a click outside, and when focus leaves it; focus goes
 * back to the button.
 *
 * Runs in the window.
 */
import {
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type CSSProperties,
  type ReactNode,
} from 'react';

interface PopoverButtonProps {
  /** The button's content. */
  label: ReactNode;
  /** The button's accessible name when its content is not enough. */
  ariaLabel?: string;
  className?: string;
  title?: string;
  align?: 'start' | 'end';
  testId?: string;
  /** The popover's content; `close` closes it. */
  children: (close: () => void) => ReactNode;
  /** Marks the button as holding an active choice (filter set). */
  active?: boolean;
  popoverLabel?: string;
}

/** A button with a popover under it. */
export function PopoverButton({
  label,
  ariaLabel,
  className,
  title,
  align = 'start',
  testId,
  children,
  active,
  popoverLabel,
}: PopoverButtonProps) {
  const [open, setOpen] = useState(false);
  const [closed, setClosed] = useState(0);
  const [place, setPlace] = useState<CSSProperties>({});
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const popover = useRef<HTMLDivElement>(null);
  const id = useId();

  // Fixed to the viewport under the button, so no scrolling ancestor can clip it.
  useLayoutEffect(() => {
    if (!open) return;
    const update = (): void => {
      const r = button.current?.getBoundingClientRect();
      if (!r) return;
      setPlace(
        align === 'end'
          ? {
              position: 'fixed',
              top: r.bottom + 6,
              right: Math.max(8, window.innerWidth - r.right),
            }
          : {
              position: 'fixed',
              top: r.bottom + 6,
              // Moved left as far as needed to keep a wide popover inside the window.
              left: Math.max(
                8,
                Math.min(r.left, window.innerWidth - 8 - (popover.current?.offsetWidth ?? 0)),
              ),
            },
      );
    };
    update();
    window.addEventListener('resize', update);
    window.addEventListener('scroll', update, true);
    return () => {
      window.removeEventListener('resize', update);
      window.removeEventListener('scroll', update, true);
    };
  }, [open, align]);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent): void => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    const first = root.current?.querySelector<HTMLElement>(
      '.popover input, .popover button, .popover select',
    );
    first?.focus();
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  // Focus goes back to the button after the popover closes by Esc or a choice.
  useEffect(() => {
    if (closed > 0) button.current?.focus();
  }, [closed]);

  const close = (): void => {
    setOpen(false);
    setClosed((n) => n + 1);
  };

  return (
    <div
      className="popover-root"
      ref={root}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.preventDefault();
          e.stopPropagation();
          close();
        }
      }}
      onBlur={(e) => {
        if (open && root.current && !root.current.contains(e.relatedTarget as Node | null)) {
          if (e.relatedTarget) setOpen(false);
        }
      }}
    >
      <button
        ref={button}
        type="button"
        className={`${className ?? 'button'}${active ? ' is-active' : ''}`}
        aria-label={ariaLabel}
        title={title}
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen((o) => !o)}
        data-testid={testId}
      >
        {label}
      </button>
      {open && (
        <div
          ref={popover}
          id={id}
          className={`popover align-${align}`}
          style={place}
          role="group"
          aria-label={popoverLabel ?? ariaLabel}
        >
          {children(close)}
        </div>
      )}
    </div>
  );
}

/** One action inside a popover menu. */
export function MenuItem({
  icon,
  children,
  onSelect,
  danger,
  testId,
}: {
  icon?: ReactNode;
  children: ReactNode;
  onSelect: () => void;
  danger?: boolean;
  testId?: string;
}) {
  return (
    <button
      type="button"
      className={danger ? 'menu-item is-danger' : 'menu-item'}
      onClick={onSelect}
      data-testid={testId}
    >
      {icon}
      <span>{children}</span>
    </button>
  );
}
