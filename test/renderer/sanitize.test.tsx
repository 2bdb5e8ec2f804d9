// Server HTML made inert: DOMPurify config, link routing, a hostile profile in the panel.
import { fireEvent, render, screen, within } from '@testing-library/react';
import { SafeHtml } from '@renderer/components/SafeHtml';
import { ALLOWED_TAGS, sanitizeHtml } from '@renderer/lib/sanitize';
import { installFakeBridge } from './fake-bridge';
import { findCard, renderApp } from './harness';
import { hostileUser } from './fixtures';

const HOSTILE =
  '<p style="color:red" class="x" onclick="alert(1)">Styled</p>' +
  '<img src=x onerror="window.__pwned=1">' +
  '<script>window.__pwned=2</script>' +
  '<a href="javascript:window.__pwned=3">js link</a>' +
  '<a href="https://safe.example/page" target="_blank" onmouseover="x()">safe link</a>' +
  '<a href="data:text/html,hi">data link</a>' +
  '<form action="https://evil.example"><input name="q"><button>Go</button></form>' +
  '<iframe src="https://evil.example"></iframe>' +
  '<svg><script>window.__pwned=4</script></svg>' +
  '<style>body{display:none}</style>' +
  '<video src="x.mp4"></video>';

describe('sanitizing server HTML', () => {
  it('keeps simple formatting and http(s) links only', () => {
    const out = document.createElement('div');
    out.innerHTML = sanitizeHtml(HOSTILE);
    const tags = [...out.querySelectorAll('*')].map((e) => e.tagName.toLowerCase());
    for (const t of tags) expect(ALLOWED_TAGS as readonly string[]).toContain(t);
    for (const el of out.querySelectorAll('*')) {
      for (const attr of el.getAttributeNames()) expect(['href', 'title', 'rel']).toContain(attr);
    }
    expect(
      out.querySelectorAll('img, script, form, input, button, iframe, svg, style, video'),
    ).toHaveLength(0);
    expect(out.textContent).toContain('Styled');
    expect(out.textContent).not.toContain('window.__pwned');
    const links = [...out.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      null,
      'https://safe.example/page',
      null,
    ]);
    expect(links[1]!.getAttribute('target')).toBeNull();
  });

  it('routes link clicks to the system browser, and only for http(s)', () => {
    const bridge = installFakeBridge({
      'shell:open-external': () => ({ ok: true, value: { opened: true } }),
    });
    render(<SafeHtml html={HOSTILE} />);
    const safe = screen.getByText('safe link');
    const clicked = fireEvent.click(safe);
    expect(clicked).toBe(false); // default prevented: the window never navigates
    fireEvent.click(screen.getByText('js link'));
    fireEvent.click(screen.getByText('data link'));
    expect(bridge.calls.filter((c) => c.channel === 'shell:open-external')).toEqual([
      { channel: 'shell:open-external', arg: { url: 'https://safe.example/page' } },
    ]);
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it('shows a hostile profile inert in the detail panel', async () => {
    const hostile = hostileUser();
    const { user, bridge } = renderApp({
      records: [hostile],
      answers: { 'shell:open-external': () => ({ ok: true, value: { opened: true } }) },
    });
    await user.click(await findCard('66'));
    const fields = await screen.findByTestId('section-fields');
    expect(fields.querySelectorAll('img, script, iframe, form, input, style, svg')).toHaveLength(0);
    for (const el of fields.querySelectorAll('*')) {
      expect(el.getAttribute('style')).toBeNull();
      expect(el.getAttributeNames().filter((n) => n.startsWith('on'))).toEqual([]);
    }
    // The javascript: link field is shown as text, not a link.
    const website = within(fields).getByText('javascript:window.__pwned=5');
    expect(website.closest('a')).toBeNull();
    await user.click(within(fields).getByText('javascript link'));
    await user.click(within(fields).getByText('safe link'));
    expect(
      bridge.calls.filter((c) => c.channel === 'shell:open-external').map((c) => c.arg),
    ).toEqual([{ url: 'https://safe.example/page' }]);
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });
});
