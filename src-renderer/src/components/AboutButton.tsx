/**
 * The About popover: version, data folder, keychain and cache state, from
 * `app:info`. Everything in it is selectable so it can be pasted into a
 * bug report.
 *
 * Runs in the window.
 */
import { Info } from 'lucide-react';
import { PopoverButton } from './Menu';
import { useTheme, type ThemeChoice } from '../lib/theme';
import { AppFacts } from './AppFacts';
import { Segmented } from './Segmented';

/** The (i) button at the top of the sidebar. */
export function AboutButton() {
  const choice = useTheme((s) => s.choice);
  const setChoice = useTheme((s) => s.setChoice);
  return (
    <PopoverButton
      className="icon-button about-button"
      ariaLabel="About Rollcall"
      title="About Rollcall"
      label={<Info size={16} aria-hidden="true" />}
      testId="about-button"
      popoverLabel="About Rollcall"
    >
      {() => (
        <div className="about-popover">
          <p className="about-title">About Rollcall</p>
          <p className="muted small">
            A read-only directory of your Zulip and Open WebUI users. Keys stay in the system
            keychain.
          </p>
          <Segmented<ThemeChoice>
            label="Theme"
            showLabel
            value={choice}
            onChange={setChoice}
            options={[
              { value: 'system', label: 'System', testId: 'theme-system' },
              { value: 'light', label: 'Light', testId: 'theme-light' },
              { value: 'dark', label: 'Dark', testId: 'theme-dark' },
            ]}
          />
          <AppFacts />
        </div>
      )}
    </PopoverButton>
  );
}
