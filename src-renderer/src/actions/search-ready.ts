/**
 * The action for the search index becoming ready (`directory:search-ready`).
 *
 * Runs in the window.
 */
import { useDirectory } from '../stores/directory-store';

/**
 * Asks the directory's question again when its answer was listed by name
 * for want of the index (SearchResult.rankedByName): now it can be ranked.
 * Any other answer is the same from the index, so it is left alone.
 */
export function searchReady(): void {
  const directory = useDirectory.getState();
  if (directory.rankedByName) directory.refresh();
}
