import fc from 'fast-check';
import {
  COMMON_COLUMNS,
  csvCell,
  csvHeader,
  csvRow,
  csvUserRow,
  exportFileName,
  profileFieldColumns,
} from '@core/services/export-format';
import type { DirectoryUser } from '@shared/model';

function user(over: Partial<DirectoryUser> = {}): DirectoryUser {
  return {
    connectionId: 'c1',
    kind: 'zulip',
    userId: '7',
    name: 'Zoë Müller',
    username: null,
    email: 'user7@zulip.example.com',
    deliveryEmail: 'zoe@example.com',
    role: 'member',
    isBot: false,
    bot: null,
    deactivated: false,
    timezone: 'Europe/Berlin',
    joinedAt: Date.UTC(2024, 0, 2),
    updatedAt: null,
    presence: { lastActiveAt: Date.UTC(2026, 10, 22), idle: false },
    status: null,
    avatar: { kind: 'none' },
    groups: [{ id: 'g1', name: 'Design' }],
    profileFields: [],
    bio: null,
    gender: null,
    dateOfBirth: null,
    extra: {},
    ...over,
  };
}

describe('CSV export format', () => {
  it.each([
    ['=HYPERLINK("http://evil","click")', `"'=HYPERLINK(""http://evil"",""click"")"`],
    ['+1 555 0100', "'+1 555 0100"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\t=1', `"'\t'=1"`],
    ['\r=1', `"'\r'=1"`],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['Eve;=1+1', `"Eve;'=1+1"`],
    ['Eve,=1+1', `"Eve,'=1+1"`],
    ['Eve\t@SUM(A1)', `"Eve\t'@SUM(A1)"`],
    ['a; "-1', `"a; ""'-1"`],
    [' =1+1', " '=1+1"],
    ['\uff1dSUM(1)', "'\uff1dSUM(1)"],
    ['a;b', '"a;b"'],
    ['x-y=z', 'x-y=z'],
  ])('escapes %j as %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('writes empty cells for null and CRLF-terminated rows', () => {
    expect(csvRow(['a', null, undefined, 3, true])).toBe('a,,,3,true\r\n');
  });

  it('escapes a user named =HYPERLINK(...) so a spreadsheet shows text', () => {
    const row = csvUserRow(
      {
        user: user({ name: '=HYPERLINK("https://evil.example","x")' }),
        connectionLabel: 'Acme',
        fetchedAt: 0,
        goneAt: null,
        botOwnerName: null,
      },
      [],
    );
    const cells = row.split(',');
    expect(row).toContain(`"'=HYPERLINK(""https://evil.example""`);
    expect(cells.every((c) => !/^"?[=+\-@]/.test(c))).toBe(true);
  });

  it('puts the common columns then profile fields in the organization order', () => {
    const a = user({
      profileFields: [
        {
          fieldId: '2',
          name: 'Team',
          type: 'choice',
          order: 2,
          displayInSummary: true,
          value: '1',
          text: 'Platform',
          renderedHtml: null,
          url: null,
          userIds: null,
        },
        {
          fieldId: '1',
          name: 'GitHub',
          type: 'external_account',
          order: 1,
          displayInSummary: false,
          value: 'zoe',
          text: 'zoe',
          renderedHtml: null,
          url: 'https://github.com/zoe',
          userIds: null,
        },
      ],
    });
    const b = user({ userId: '8', profileFields: [] });
    const cols = profileFieldColumns([a, b].flatMap((u) => u.profileFields));
    expect(cols).toEqual(['GitHub', 'Team']);
    expect(csvHeader(cols)).toBe([...COMMON_COLUMNS, 'GitHub', 'Team'].join(',') + '\r\n');
    const rowA = csvUserRow(
      { user: a, connectionLabel: 'Acme', fetchedAt: 0, goneAt: null, botOwnerName: null },
      cols,
    );
    expect(rowA.trimEnd().split(',').slice(-2)).toEqual(['https://github.com/zoe', 'Platform']);
    const rowB = csvUserRow(
      { user: b, connectionLabel: 'Acme', fetchedAt: 0, goneAt: 5, botOwnerName: null },
      cols,
    );
    expect(rowB.trimEnd().split(',').slice(-2)).toEqual(['', '']);
    expect(rowB).toContain(',yes,Europe/Berlin,');
  });

  it('names files by date', () => {
    expect(exportFileName('csv', Date.UTC(2026, 10, 23, 15))).toBe('rollcall-users-2026-11-23.csv');
  });
});

/** The cells a spreadsheet splitting on `separator` reads, RFC 4180 style: quotes only open a cell. */
function quotedCells(text: string, separator: string): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i <= text.length) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      while (i < text.length && !(text[i] === '"' && text[i + 1] !== '"')) {
        cell += text[i] as string;
        i += text[i] === '"' ? 2 : 1;
      }
      i++;
    }
    while (i < text.length && text[i] !== separator && text[i] !== '\r' && text[i] !== '\n') {
      cell += text[i] as string;
      i++;
    }
    cells.push(cell);
    i++;
  }
  return cells;
}

/** The cells a spreadsheet that ignores quotes reads: every separator and line break splits. */
function naiveCells(text: string, separator: string): string[] {
  return text.split(new RegExp(`[${separator}\r\n]`));
}

/** Whether a spreadsheet could read the cell as a formula (past whitespace and quotes). */
const readAsFormula = (cell: string): boolean =>
  /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/.test(cell.replace(/^[\s"]+/, ''));

describe('CSV cells under any separator', () => {
  const hostileChar = fc.constantFrom(
    ...'=+-@\t\r\n,;" \'a1(\uff1d\uff0b\uff0d\uff20\u00a0\u3000'.split(''),
  );
  const hostileText = fc.oneof(
    fc.string({ unit: hostileChar, maxLength: 24 }),
    fc.string({ maxLength: 24 }),
  );

  it('no spreadsheet splitting on comma, semicolon or tab finds a formula in an export', () => {
    fc.assert(
      fc.property(fc.array(hostileText, { minLength: 1, maxLength: 5 }), (values) => {
        const line = csvRow(['Acme', ...values]);
        for (const separator of [',', ';', '\t']) {
          for (const cell of [...quotedCells(line, separator), ...naiveCells(line, separator)]) {
            expect(readAsFormula(cell), `${JSON.stringify(cell)} in ${JSON.stringify(line)}`).toBe(
              false,
            );
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back every value unchanged but for the apostrophes, with a comma', () => {
    fc.assert(
      fc.property(fc.array(hostileText, { minLength: 1, maxLength: 5 }), (values) => {
        const cells = quotedCells(csvRow(values).slice(0, -2), ',');
        expect(cells.map((c) => c.replace(/'/g, ''))).toEqual(
          values.map((v) => v.replace(/'/g, '')),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
