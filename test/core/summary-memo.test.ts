// The memo of parsed cards (store/summary-memo.ts): it answers exactly
// what parseSummary answers for the row it is given, whatever it kept;
// a change to summary_json or to an identity column parses again; gone
// and the bot owner's name come from the row each time; what it keeps
// cannot be changed through an answer; and it keeps at most its capacity,
// dropping the least recently used.
import { parseSummary } from '@core/store/stored-users';
import { createSummaryMemo } from '@core/store/summary-memo';
import type { Row } from '@core/store/users-rows';
import { TEXT_CAPS } from '@shared/text-caps';

function card(over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    connectionId: 'c1',
    kind: 'zulip',
    userId: '7',
    name: 'Ann Lee',
    email: 'ann@example.org',
    role: 'member',
    isBot: false,
    botTypeLabel: null,
    botOwnerId: null,
    deactivated: false,
    presence: null,
    status: { emoji: null, message: 'On leave' },
    timezone: 'Europe/Berlin',
    joinedAt: 1_600_000_000_000,
    groups: ['Engineering', 'Berlin'],
    summaryFields: [{ name: 'Team', type: 'short-text', text: 'Search', url: null }],
    avatarKey: null,
    ...over,
  });
}

function row(over: Row = {}): Row {
  return {
    row_id: 1,
    connection_id: 'c1',
    user_id: '7',
    kind: 'zulip',
    name: 'Ann Lee',
    role: 'member',
    is_bot: 0,
    deactivated: 0,
    summary_json: card(),
    gone_at: null,
    owner_name: null,
    ...over,
  };
}

describe('summary memo', () => {
  it('answers what parseSummary answers, and parses a row it has seen once', () => {
    const memo = createSummaryMemo();
    const r = row();
    const first = memo.summaryOf(r);
    const again = memo.summaryOf({ ...r });
    expect(first).toEqual(parseSummary(r));
    expect(again).toEqual(parseSummary(r));
    // Kept: the second answer shares the first's parsed lists.
    expect(again.groups).toBe(first.groups);
    expect(again).not.toBe(first);
    expect(memo.size()).toBe(1);
  });

  it('parses again when summary_json changes', () => {
    const memo = createSummaryMemo();
    const before = memo.summaryOf(row());
    const after = memo.summaryOf(row({ summary_json: card({ name: 'Ann Lee-Park' }) }));
    expect(after.name).toBe('Ann Lee-Park');
    expect(after.groups).not.toBe(before.groups);
    expect(memo.size()).toBe(1);
  });

  it('parses again when a column the card falls back to changes', () => {
    // An older row's card without these fields: the columns fill them in.
    const json = card({ name: undefined, deactivated: undefined, role: undefined });
    const memo = createSummaryMemo();
    const before = memo.summaryOf(row({ summary_json: json }));
    expect(before).toMatchObject({ name: 'Ann Lee', deactivated: false, role: 'member' });
    for (const [column, value, field, shown] of [
      ['name', 'Ann Park', 'name', 'Ann Park'],
      ['deactivated', 1, 'deactivated', true],
      ['role', 'guest', 'role', 'guest'],
    ] as const) {
      const changed = row({ summary_json: json, [column]: value });
      const answer = memo.summaryOf(changed);
      expect(answer[field]).toBe(shown);
      expect(answer).toEqual(parseSummary(changed));
    }
  });

  it('takes gone and the bot owner’s name from the row every time', () => {
    const memo = createSummaryMemo();
    const bot = card({ isBot: true, botOwnerId: '3', botTypeLabel: 'Generic bot' });
    const live = memo.summaryOf(row({ summary_json: bot, owner_name: 'Bo' }));
    expect(live).toMatchObject({ gone: false, botOwnerName: 'Bo' });
    const gone = memo.summaryOf(row({ summary_json: bot, gone_at: 5, owner_name: 'Bob' }));
    expect(gone).toMatchObject({ gone: true, botOwnerName: 'Bob' });
    expect(gone.groups).toBe(live.groups);
    const long = 'B'.repeat(TEXT_CAPS.name * 2);
    const capped = memo.summaryOf(row({ summary_json: bot, owner_name: long }));
    expect(capped).toEqual(parseSummary(row({ summary_json: bot, owner_name: long })));
    expect(capped.botOwnerName?.length).toBeLessThan(long.length);
    expect(memo.summaryOf(row({ summary_json: bot })).botOwnerName).toBeNull();
  });

  it('keeps what it parsed out of reach of those it answers', () => {
    const memo = createSummaryMemo();
    const first = memo.summaryOf(row());
    first.name = 'changed';
    expect(() => (first.groups as string[]).push('x')).toThrow(TypeError);
    expect(() => {
      (first.summaryFields[0] as { text: string }).text = 'x';
    }).toThrow(TypeError);
    expect(memo.summaryOf(row())).toEqual(parseSummary(row()));
  });

  it('does not keep a card it could not read', () => {
    const memo = createSummaryMemo();
    for (const json of ['{not json', '[]', null]) {
      const r = row({ summary_json: json });
      expect(memo.summaryOf(r)).toEqual(parseSummary(r));
    }
    expect(memo.size()).toBe(0);
  });

  it('keeps at most its capacity, dropping the least recently used', () => {
    const memo = createSummaryMemo(2);
    const of = (id: number): Row => row({ row_id: id, user_id: String(id) });
    const one = memo.summaryOf(of(1));
    const two = memo.summaryOf(of(2));
    memo.summaryOf(of(1)); // 1 is now the most recent
    memo.summaryOf(of(3)); // drops 2
    expect(memo.size()).toBe(2);
    expect(memo.summaryOf(of(1)).groups).toBe(one.groups);
    expect(memo.summaryOf(of(2)).groups).not.toBe(two.groups);
  });
});
