// Opening and closing the detail panel re-renders the directory's frame and
// the panel (App.tsx `DirectoryShell`), not the directory beside them: the
// sidebar, toolbar and results are the same elements as before, which React
// skips. The sidebar is wrapped here in a counter that renders only when
// its parent renders it again.
import { screen, waitFor } from '@testing-library/react';
import { findCard, renderApp } from './harness';
import { cardVariants, zulipAllFieldsUser } from './fixtures';
import type * as SidebarModule from '@renderer/components/Sidebar';

const renders = vi.hoisted(() => ({ sidebar: 0 }));

vi.mock('@renderer/components/Sidebar', async (importOriginal) => {
  const real = await importOriginal<typeof SidebarModule>();
  const { createElement } = await import('react');
  return {
    ...real,
    Sidebar: () => {
      renders.sidebar++;
      return createElement(real.Sidebar);
    },
  };
});

describe('opening the detail panel', () => {
  it('does not render the rest of the directory again, opening or closing', async () => {
    const { user } = renderApp({
      records: [...Object.values(cardVariants()), zulipAllFieldsUser()],
    });
    const card = await findCard('12');
    const before = renders.sidebar;
    expect(before).toBeGreaterThan(0);

    await user.click(card);
    await waitFor(() =>
      expect(screen.getByTestId('detail-panel')).toHaveAttribute('data-user-id', '12'),
    );
    await screen.findByTestId('section-identity');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('detail-panel')).toBeNull());

    expect(renders.sidebar).toBe(before);
  });
});
