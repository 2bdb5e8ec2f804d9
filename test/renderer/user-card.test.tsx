// Each card variant the issue lists, drawn from realistic fixtures.
import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { UserCard } from '@renderer/components/UserCard';
import type { UserRecord, UserSummary } from '@shared/model';
import { capText } from '@shared/text-caps';
import { installFakeBridge } from './fake-bridge';
import { FixtureDirectory, cardVariants, zulipUser } from './fixtures';

const variants = cardVariants();
const dir = new FixtureDirectory(Object.values(variants));

function summaryOf(record: UserRecord): UserSummary {
  return dir.summary(record);
}

function renderCard(record: UserRecord, onOpen = vi.fn()) {
  installFakeBridge({});
  render(<UserCard user={summaryOf(record)} showKind onOpen={onOpen} tabIndex={0} />);
  return { card: screen.getByTestId('user-card'), onOpen };
}

/** Text of the whole card, with no trace of a missing value rendered as words. */
function assertNoJunk(card: HTMLElement) {
  expect(card.textContent).not.toMatch(/undefined|null|NaN|Invalid Date|\[object/);
}

describe('user cards', () => {
  it('Zulip owner: owner badge, status, active now, local time, summary field', () => {
    const { card } = renderCard(variants.zulipOwner);
    expect(within(card).getByText('Iago Ortiz')).toBeInTheDocument();
    expect(within(card).getByTestId('role-badge')).toHaveTextContent('Owner');
    expect(within(card).getByText('iago.ortiz@acme.example')).toBeInTheDocument();
    expect(within(card).getByText('Active now')).toBeInTheDocument();
    // Status first, then the first summary field.
    expect(within(card).getByText('🎧 Deep work, slow replies')).toBeInTheDocument();
    expect(within(card).getByTitle('Pronouns: he/him')).toBeInTheDocument();
    const clock = within(card).getByTitle(/^Europe\/Madrid \(GMT[+-]\d/);
    expect(clock.textContent).toMatch(/\d{1,2}:\d{2}/);
    expect(within(card).getByRole('img', { name: 'Zulip' })).toBeInTheDocument();
    assertNoJunk(card);
  });

  it('Zulip guest: guest badge and last active in words', () => {
    const { card } = renderCard(variants.zulipGuest);
    expect(within(card).getByTestId('role-badge')).toHaveTextContent('Guest');
    expect(within(card).getByText('Last active 5 minutes ago')).toBeInTheDocument();
    assertNoJunk(card);
  });

  it("generic bot: bot type badge and its owner's name", () => {
    const { card } = renderCard(variants.genericBot);
    expect(within(card).getByText('Generic bot')).toBeInTheDocument();
    expect(within(card).getByTitle('Owner: Iago Ortiz')).toBeInTheDocument();
    // A bot's default role is noise next to its type; any other role shows.
    expect(within(card).queryByTestId('role-badge')).not.toBeInTheDocument();
    expect(within(card).queryByText('No activity recorded')).not.toBeInTheDocument();
    assertNoJunk(card);
  });

  it('deactivated user: one badge, when last seen, and a dimmed card', () => {
    const { card } = renderCard(variants.deactivated);
    expect(within(card).getAllByText('Deactivated')).toHaveLength(1);
    expect(within(card).getByText('Deactivated')).toHaveClass('tone-danger');
    expect(within(card).getByText('Last active 3 months ago')).toBeInTheDocument();
    expect(card).toHaveClass('is-dim');
    assertNoJunk(card);
  });

  it('Open WebUI admin with groups: admin badge, groups, status', () => {
    const { card } = renderCard(variants.owuiAdmin);
    expect(within(card).getByTestId('role-badge')).toHaveTextContent('Admin');
    expect(within(card).getByTitle('Groups: Engineering, API Users')).toBeInTheDocument();
    expect(within(card).getByText('🛠️ Upgrading to 0.12')).toBeInTheDocument();
    // Open WebUI counts 3 minutes as active; 90 s ago is "now".
    expect(within(card).getByText('Active now')).toBeInTheDocument();
    expect(within(card).getByRole('img', { name: 'Open WebUI' })).toBeInTheDocument();
    assertNoJunk(card);
  });

  it('pending user: pending badge', () => {
    const { card } = renderCard(variants.pending);
    expect(within(card).getByTestId('role-badge')).toHaveTextContent('Pending');
    expect(within(card).getByText('Last active 2 days ago')).toBeInTheDocument();
    assertNoJunk(card);
  });

  it('user with every optional field null: initials, placeholders, nothing broken', () => {
    const { card } = renderCard(variants.allNull);
    expect(within(card).getByText('Minimal User')).toBeInTheDocument();
    expect(within(card).getByText('MU')).toBeInTheDocument();
    expect(within(card).getByText('No email shown')).toBeInTheDocument();
    expect(within(card).getByText('No activity recorded')).toBeInTheDocument();
    expect(card.querySelector('img')).toBeNull();
    expect(card.querySelector('.card-clock')).toBeNull();
    assertNoJunk(card);
  });

  it('a bot with a role beyond member shows it', () => {
    const { card } = renderCard(
      zulipUser({
        userId: '70',
        name: 'Admin Bot',
        role: 'administrator',
        isBot: true,
        bot: { type: 1, typeLabel: 'Generic bot', ownerId: null },
        presence: null,
      }),
    );
    expect(within(card).getByTestId('role-badge')).toHaveTextContent('Administrator');
    expect(within(card).getByTitle('Owner: No owner')).toBeInTheDocument();
  });

  it('a user the server no longer has: gone badge and when last seen', () => {
    const { card } = renderCard(
      zulipUser(
        {
          userId: '90',
          name: 'Prospero Milan',
          presence: { lastActiveAt: Date.now() - 40 * 86_400_000, idle: false },
        },
        { goneAt: Date.now() - 5 * 86_400_000 },
      ),
    );
    expect(within(card).getByText('Gone')).toHaveClass('tone-danger');
    expect(within(card).getByText('Last active last month')).toBeInTheDocument();
    expect(card).toHaveClass('is-dim');
    assertNoJunk(card);
  });

  it('an unknown timezone shows no local time rather than failing', () => {
    const { card } = renderCard(
      zulipUser({ userId: '5', name: 'Nowhere Man', timezone: 'Not/AZone' }),
    );
    expect(card.querySelector('.card-clock')).toBeNull();
    assertNoJunk(card);
  });

  it('draws the picture through the avatar URL, over initials', () => {
    const { card } = renderCard(variants.zulipOwner);
    const img = card.querySelector('img');
    expect(img?.getAttribute('src')).toMatch(
      /^http:\/\/avatars\.test\/acme-zulip\/8\?v=[0-9a-f]{8}$/,
    );
    expect(within(card).getByText('IO')).toBeInTheDocument();
  });

  it('opens on click, Enter and Space, but not when text in it is being selected', async () => {
    const { card, onOpen } = renderCard(variants.zulipGuest);
    const user = userEvent.setup();
    await user.click(card);
    expect(onOpen).toHaveBeenCalledTimes(1);
    card.focus();
    await user.keyboard('{Enter}');
    await user.keyboard(' ');
    expect(onOpen).toHaveBeenCalledTimes(3);
    // A click that ends a drag which selected text inside the card does not open it.
    const name = card.querySelector('.card-name') as HTMLElement;
    const selection = window.getSelection() as Selection;
    const dragOver = (node: Node): void => {
      fireEvent.mouseDown(card, { button: 0, clientX: 10, clientY: 10 });
      selection.setBaseAndExtent(node.firstChild ?? node, 0, node.firstChild ?? node, 3);
      fireEvent.click(card, { button: 0, clientX: 60, clientY: 12, detail: 1 });
    };
    dragOver(name.querySelector('bdi') ?? name);
    expect(onOpen).toHaveBeenCalledTimes(3);
    // A click that did not move from its press selected nothing, whatever is selected: it opens.
    fireEvent.mouseDown(card, { button: 0, clientX: 10, clientY: 10 });
    fireEvent.click(card, { button: 0, clientX: 11, clientY: 10, detail: 1 });
    expect(onOpen).toHaveBeenCalledTimes(4);
    // Text selected outside the card (the search box, say) does not keep it from opening.
    const elsewhere = document.body.appendChild(document.createElement('p'));
    elsewhere.textContent = 'ann';
    dragOver(elsewhere);
    expect(onOpen).toHaveBeenCalledTimes(5);
    selection.removeAllRanges();
    elsewhere.remove();
  });

  it('isolates a name with direction overrides, so it cannot reorder the rest of the card', () => {
    const tricky = '\u202eevil\u202c Name';
    const record = { ...variants.zulipOwner, user: { ...variants.zulipOwner.user, name: tricky } };
    const { card } = renderCard(record);
    const name = within(card).getByText(tricky);
    expect(name.tagName).toBe('BDI');
    expect(within(card).getByText('iago.ortiz@acme.example').tagName).toBe('BDI');
  });

  it('says in the name tooltip when the name was cut short, and not otherwise', () => {
    const owner = variants.zulipOwner;
    const name = capText(`Iago ${'Ortiz '.repeat(1000)}`, 'name');
    const record = { ...owner, user: { ...owner.user, name, cut: ['name' as const] } };
    const { card } = renderCard(record);
    const title = card.querySelector('.card-name')?.getAttribute('title') ?? '';
    expect(title.startsWith(name)).toBe(true);
    expect(title).toMatch(/cut short/i);
    expect(card.querySelector('.card-email')?.getAttribute('title')).not.toMatch(/cut short/i);
  });
});
