/**
 * Reads a `zuliprc` file (what Zulip's "Download zuliprc" gives): an INI file
 * whose `[api]` section holds `email=`, `key=` and `site=`. Used to fill the
 * add-connection form so nobody retypes a 32-character key.
 *
 * Runs in the window (pure functions).
 */

/** What a zuliprc gives the form. */
export interface Zuliprc {
  email: string;
  key: string;
  site: string;
}

/** The parse outcome: the values, or a sentence saying what is wrong. */
export type ZuliprcParse = { ok: true; value: Zuliprc } | { ok: false; message: string };

/** Whether pasted text looks like a zuliprc rather than a plain value. */
export function looksLikeZuliprc(text: string): boolean {
  return /^\s*\[api\]\s*$/im.test(text) && /^\s*key\s*[=:]/im.test(text);
}

/** Parses zuliprc text: sections, `name=value` or `name: value`, `#`/`;` comments. */
export function parseZuliprc(text: string): ZuliprcParse {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  for (const rawLine of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section) {
      const name = section[1]!.trim().toLowerCase();
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      continue;
    }
    const pair = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (pair && current) current.set(pair[1]!.trim().toLowerCase(), unquote(pair[2]!.trim()));
  }
  const api = sections.get('api');
  if (!api) {
    return { ok: false, message: 'This file has no [api] section, so it is not a zuliprc.' };
  }
  const missing = ['email', 'key', 'site'].filter((k) => !api.get(k));
  if (missing.length > 0) {
    return {
      ok: false,
      message: `The [api] section has no ${missing.map((k) => `${k}=`).join(', ')} line.`,
    };
  }
  return {
    ok: true,
    value: { email: api.get('email')!, key: api.get('key')!, site: api.get('site')! },
  };
}

function unquote(value: string): string {
  const m = /^(["'])(.*)\1$/.exec(value);
  return m ? m[2]! : value;
}
