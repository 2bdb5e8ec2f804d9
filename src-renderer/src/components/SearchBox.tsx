/**
 * The search box: filters the cached directory on every keystroke (no
 * debounce: each answer is one indexed query). Ctrl/Cmd+K focuses it; Esc
 * clears it.
 *
 * Runs in the window.
 */
import { Search } from 'lucide-react';
import { modKeyLabel } from '../lib/keys';
import { useDirectory } from '../stores/directory-store';

/** Id of the search input, for the Ctrl/Cmd+K shortcut. */
export const SEARCH_INPUT_ID = 'rc-search';

/** The search field. */
export function SearchBox() {
  const text = useDirectory((s) => s.filters.text);
  const setFilters = useDirectory((s) => s.setFilters);
  return (
    <div className="search">
      <Search size={16} aria-hidden="true" className="search-icon" />
      <input
        id={SEARCH_INPUT_ID}
        type="search"
        className="search-input"
        aria-label="Search users"
        aria-keyshortcuts="Control+K Meta+K"
        placeholder="Search names, emails, IDs, profile fields…"
        autoComplete="off"
        spellCheck={false}
        value={text}
        maxLength={500}
        onChange={(e) => setFilters({ text: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && text !== '') {
            e.preventDefault();
            e.stopPropagation();
            setFilters({ text: '' });
          }
        }}
        data-testid="search-input"
      />
      <kbd className="kbd" aria-hidden="true">
        {modKeyLabel()} K
      </kbd>
    </div>
  );
}
