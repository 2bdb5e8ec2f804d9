// Pure helpers of the window: presence, time, initials, zuliprc, error mapping, extra data.
import { avatarColour, initials, AVATAR_COLOURS } from '@renderer/lib/avatar';
import { connectionFieldOf, fieldMessage } from '@renderer/lib/errors';
import { presenceOf } from '@renderer/lib/presence';
import { flattenExtra, humanizeKey } from '@renderer/lib/profile';
import {
  calendarDate,
  localTime,
  relativeTime,
  relativeTimeShort,
  waitText,
} from '@renderer/lib/time';
import { looksLikeZuliprc, parseZuliprc } from '@renderer/lib/zuliprc';
import { rollcallError } from '@shared/errors';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('presence', () => {
  const at = (ms: number, kind: 'zulip' | 'openwebui' = 'zulip', idle = false) =>
    presenceOf(
      { kind, presence: { lastActiveAt: NOW - ms, idle }, deactivated: false, gone: false },
      NOW,
    );

  it('counts Zulip users active for 140 s and Open WebUI users for 3 minutes', () => {
    expect(at(140_000).label).toBe('Active now');
    expect(at(141_000).label).toBe('Last active 2 minutes ago');
    expect(at(170_000, 'openwebui').label).toBe('Active now');
    expect(at(181_000, 'openwebui').label).toBe('Last active 3 minutes ago');
  });

  it('says idle only for Zulip idle pings inside the window', () => {
    expect(at(60_000, 'zulip', true)).toMatchObject({ tone: 'idle', label: 'Idle' });
    expect(at(60_000, 'openwebui', true).label).toBe('Active now');
    expect(at(3_600_000, 'zulip', true).label).toBe('Last active 1 hour ago');
  });

  it('puts gone before deactivated before anything else', () => {
    const base = { kind: 'zulip' as const, presence: { lastActiveAt: NOW, idle: false } };
    expect(presenceOf({ ...base, deactivated: true, gone: true }, NOW).label).toBe(
      'No longer on the server',
    );
    expect(presenceOf({ ...base, deactivated: true, gone: false }, NOW).label).toBe('Deactivated');
    expect(
      presenceOf({ ...base, presence: null, deactivated: false, gone: false }, NOW).label,
    ).toBe('No activity recorded');
  });
});

describe('time', () => {
  it('says relative times in words, long and short', () => {
    expect(relativeTime(NOW - 10_000, NOW)).toBe('just now');
    expect(relativeTime(NOW - 5 * 60_000, NOW)).toBe('5 minutes ago');
    expect(relativeTime(NOW - 3 * 86_400_000, NOW)).toBe('3 days ago');
    expect(relativeTime(NOW + 8 * 3_600_000, NOW)).toBe('in 8 hours');
    expect(relativeTimeShort(NOW - 3 * 60_000, NOW)).toBe('3m ago');
    // Rounded before the unit is chosen: never "60 minutes" or "24 hours".
    expect(relativeTime(NOW - 3_600_000 + 200, NOW)).toBe('1 hour ago');
    expect(relativeTime(NOW - 86_400_000 + 60_000, NOW)).toBe('yesterday');
    expect(relativeTime(NOW - 11.8 * 30 * 86_400_000, NOW)).toBe('last year');
  });

  it("gives a user's local time and ignores zones the runtime does not know", () => {
    const tokyo = localTime('Asia/Tokyo', NOW);
    expect(tokyo?.offset).toBe('GMT+9');
    expect(tokyo?.time).toMatch(/^(09:00[\s\u202f]PM|21:00)$/);
    expect(localTime('Not/AZone', NOW)).toBeNull();
    expect(localTime(null, NOW)).toBeNull();
    expect(localTime('', NOW)).toBeNull();
    // The same zone twice (a formatter is kept per zone) gives the same answer.
    expect(localTime('Asia/Tokyo', NOW)).toEqual(tokyo);
    expect(localTime('Not/AZone', NOW)).toBeNull();
  });

  it('writes profile-field dates as days, never shifted by a zone, and leaves non-dates alone', () => {
    expect(calendarDate('2021-06-01')).toBe('Jun 1, 2021');
    expect(calendarDate('1999-12-31')).toBe('Dec 31, 1999');
    expect(calendarDate('2021-02-30')).toBe('2021-02-30');
    expect(calendarDate('next Tuesday')).toBe('next Tuesday');
    expect(calendarDate('Jun 1, 2021')).toBe('Jun 1, 2021');
  });

  it('says waits in seconds and minutes', () => {
    expect(waitText(28.7)).toBe('29 s');
    expect(waitText(125)).toBe('2 min 5 s');
    expect(waitText(-3)).toBe('0 s');
  });
});

describe('initials and colours', () => {
  it('takes first and last word, or one letter for unspaced scripts', () => {
    expect(initials('Iago Ortiz')).toBe('IO');
    expect(initials('Ana Lúcia Ferreira')).toBe('AF');
    expect(initials('łukasz wójcik')).toBe('ŁW');
    expect(initials('王芳')).toBe('王');
    expect(initials('Prospero')).toBe('P');
    expect(initials('  ')).toBe('?');
    expect(initials('🤖 🤖')).toBe('?');
  });

  it('gives the same user the same colour, from the palette', () => {
    expect(avatarColour('c1', '8')).toBe(avatarColour('c1', '8'));
    expect(AVATAR_COLOURS).toContain(avatarColour('c1', '8'));
    const spread = new Set(Array.from({ length: 60 }, (_, i) => avatarColour('c1', String(i))));
    expect(spread.size).toBeGreaterThan(6);
  });
});

describe('zuliprc', () => {
  it('reads the [api] section of a downloaded zuliprc', () => {
    const text =
      '[api]\nemail=iago@acme.example\nkey=gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv\nsite=https://chat.acme.example\n';
    expect(parseZuliprc(text)).toEqual({
      ok: true,
      value: {
        email: 'iago@acme.example',
        key: 'gjA04ZYcqXKalvYMA8OeXSfzUOLrtbZv',
        site: 'https://chat.acme.example',
      },
    });
    expect(looksLikeZuliprc(text)).toBe(true);
  });

  it('accepts CRLF, a BOM, comments, spaces, colons, quotes and other sections', () => {
    const text =
      '\uFEFF# made by Zulip\r\n[other]\r\nkey=wrong\r\n\r\n[API]\r\n; comment\r\n email = "bot@acme.example" \r\nkey: abc123\r\nsite=https://z.example\r\ninsecure=false\r\n';
    expect(parseZuliprc(text)).toEqual({
      ok: true,
      value: { email: 'bot@acme.example', key: 'abc123', site: 'https://z.example' },
    });
  });

  it('says what is missing', () => {
    expect(parseZuliprc('email=a@b\nkey=x')).toEqual({
      ok: false,
      message: 'This file has no [api] section, so it is not a zuliprc.',
    });
    expect(parseZuliprc('[api]\nemail=a@b\nsite=https://x')).toEqual({
      ok: false,
      message: 'The [api] section has no key= line.',
    });
    expect(looksLikeZuliprc('https://chat.example.com')).toBe(false);
  });
});

describe('errors and extra data', () => {
  it('maps errors to the dialog field they belong to', () => {
    expect(
      connectionFieldOf(
        rollcallError('INVALID_INPUT', 'draft.baseUrl: Enter the server URL.', {
          field: 'draft.baseUrl',
        }),
      ),
    ).toBe('baseUrl');
    expect(connectionFieldOf(rollcallError('UNAUTHORIZED'))).toBe('secret');
    expect(connectionFieldOf(rollcallError('NOT_AN_API'))).toBe('baseUrl');
    expect(connectionFieldOf(rollcallError('OFFLINE'))).toBeNull();
    expect(
      fieldMessage(
        rollcallError('INVALID_INPUT', 'draft.baseUrl: Enter the server URL.', {
          field: 'draft.baseUrl',
        }),
      ),
    ).toBe('Enter the server URL.');
  });

  it('flattens nested extra data into labelled rows', () => {
    expect(humanizeKey('chatBubble')).toBe('Chat bubble');
    expect(
      flattenExtra({
        oauth: { oidc: { sub: '00u1' } },
        settings: { ui: { models: ['gpt-4o'], chatBubble: true } },
        scim: null,
        is_billing_admin: false,
      }),
    ).toEqual([
      { path: ['OAuth', 'OIDC', 'Subject'], value: '00u1' },
      { path: ['Settings', 'Interface', 'Models'], value: 'gpt-4o' },
      { path: ['Settings', 'Interface', 'Chat bubble'], value: 'Yes' },
      { path: ['SCIM'], value: '—' },
      { path: ['Billing admin'], value: 'No' },
    ]);
  });

  it('labels keys named like Object.prototype members with their own words (issue 13)', () => {
    const names = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];
    // fromEntries and JSON.parse both make `__proto__` an own key, as a server's payload has it.
    const info = JSON.stringify(Object.fromEntries(names.map((n) => [n, `v-${n}`])));
    const parsed = JSON.parse(`{"__proto__":"v-__proto__","info":${info}}`) as {
      [key: string]: string;
    };
    const rows = flattenExtra(parsed);
    for (const row of rows) {
      for (const label of row.path) {
        expect(typeof label).toBe('string');
        expect(label).not.toMatch(/native code|function/);
      }
    }
    expect(rows.map((r) => r.path.at(-1))).toContain('Constructor');
    expect(rows.map((r) => r.path.at(-1))).toContain('To string');
    expect(rows.find((r) => r.path.length === 1)?.path).toEqual(['Proto']);
    expect(connectionFieldOf(rollcallError('INVALID_INPUT', 'x', { field: 'constructor' }))).toBe(
      null,
    );
    expect(connectionFieldOf(rollcallError('INVALID_INPUT', 'x', { field: 'toString' }))).toBe(
      null,
    );
  });
});
