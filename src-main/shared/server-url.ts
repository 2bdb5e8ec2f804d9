/**
 * What an admin types, made exact before any request: the server URL (a
 * scheme added, a pasted API suffix or fragment dropped, credentials in the
 * URL refused) and the user reference each kind of server accepts (a Zulip
 * ID or email, an Open WebUI id or `shared-{chat_id}`). Bad input is an
 * INVALID_INPUT naming the field, never a request.
 *
 * Runs everywhere (no `electron`, no `node:*`, no DOM): the connection
 * dialog checks what is typed with the same rules core applies on save.
 */
import { fail } from './errors';

/** A server URL ready to have API paths appended. */
export interface ParsedServerUrl {
  /** Scheme, host, port and any path prefix; no trailing slash. */
  baseUrl: string;
  /** Plain http to a host that is not this machine: the key would travel in clear. */
  insecureHttp: boolean;
}

/** Path suffixes people paste from API docs or browser bars; removed (repeatedly). */
const API_SUFFIXES = ['/api/v1', '/api', '/json'];

const CREDENTIALS_IN_URL =
  'Remove the user name and password from the URL: Rollcall asks for the API key separately and keeps it in the system keychain, while a password in a URL ends up in logs and history.';

/** Schemes people paste by mistake, told apart from `user:password@host`. */
const KNOWN_SCHEMES = new Set([
  'mailto',
  'javascript',
  'data',
  'file',
  'ftp',
  'tel',
  'ssh',
  'about',
  'blob',
  'vbscript',
  'ws',
  'wss',
  'zulip',
]);

function invalidUrl(message: string): never {
  fail('INVALID_INPUT', message, { field: 'baseUrl' });
}

/**
 * Whether a hostname (as `URL` spells it) is this machine: `localhost` (and
 * `*.localhost`), 127.0.0.0/8, and ::1 (also as an IPv4-mapped address).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  // ::ffff:127.x.y.z, which URL writes as ::ffff:7fxx:yyzz
  return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
}

/**
 * Whether a typed server URL would send the key in clear: plain http to a
 * host that is not this machine. False for anything that does not parse
 * (the parse error says what is wrong instead).
 */
export function isInsecureHttpUrl(input: string): boolean {
  try {
    return parseServerUrl(input).insecureHttp;
  } catch {
    return false;
  }
}

/**
 * Parses a server URL as typed. Adds https:// when there is no scheme,
 * keeps a path prefix (`https://example.com/zulip`), strips trailing
 * slashes, a pasted `/api/v1`, `/api` or `/json`, any query and fragment;
 * refuses other schemes and user:password; flags plain http to a host that
 * is not this machine. Throws INVALID_INPUT with field `baseUrl`.
 */
export function parseServerUrl(input: string): ParsedServerUrl {
  if (typeof input !== 'string') invalidUrl('Enter the server URL.');
  const text = input.trim();
  if (text === '') invalidUrl('Enter the server URL, like https://chat.example.com.');
  if (text.length > 2048) invalidUrl('That URL is too long to be a server address.');
  if (/\s/.test(text)) invalidUrl('A server URL cannot contain spaces.');

  let withScheme = text;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    // "host:port" looks like a scheme to URL; anything else with a colon
    // before the first slash (mailto:, javascript:, file:) is one.
    const beforeSlash = text.split('/')[0] ?? '';
    const schemeLike = /^([a-z][a-z0-9+.-]*):/i.exec(text);
    const scheme = schemeLike?.[1]?.toLowerCase() ?? '';
    if (!KNOWN_SCHEMES.has(scheme) && beforeSlash.includes('@')) invalidUrl(CREDENTIALS_IN_URL);
    if (schemeLike && !/^[^:]+:\d+$/.test(beforeSlash)) {
      invalidUrl(
        `Rollcall connects over https:// (or http://), not ${schemeLike[1]?.toLowerCase()}:. Enter the address you open the server at in a browser.`,
      );
    }
    if (text.startsWith('//')) withScheme = `https:${text}`;
    else withScheme = `https://${text}`;
  }

  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    invalidUrl(
      `"${text}" is not a valid URL. Enter the address you open the server at, like https://chat.example.com.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    invalidUrl(
      `Rollcall connects over https:// (or http://), not ${url.protocol}. Enter the address you open the server at in a browser.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    invalidUrl(CREDENTIALS_IN_URL);
  }
  if (url.hostname === '') invalidUrl('That URL has no server name.');

  let path = url.pathname.replace(/\/+$/, '');
  for (let changed = true; changed;) {
    changed = false;
    for (const suffix of API_SUFFIXES) {
      if (path.toLowerCase().endsWith(suffix)) {
        path = path.slice(0, -suffix.length).replace(/\/+$/, '');
        changed = true;
      }
    }
  }
  const baseUrl = `${url.protocol}//${url.host}${path}`;
  return {
    baseUrl,
    insecureHttp: url.protocol === 'http:' && !isLoopbackHost(url.hostname),
  };
}

/** A Zulip user reference: an ID, or an email looked up with `/users/{email}`. */
export type ZulipUserRef =
  { kind: 'zulip-id'; userId: number } | { kind: 'zulip-email'; email: string };

/**
 * An Open WebUI user reference: an id, an email (found through the users
 * list's search: the single-user route takes only ids), or a shared chat
 * whose owner is wanted.
 */
export type OpenWebUIUserRef =
  | { kind: 'openwebui-id'; userId: string }
  | { kind: 'openwebui-email'; email: string }
  | { kind: 'openwebui-shared-chat'; chatId: string };

/** Any user reference, parsed for the kind of its connection. */
export type UserRef = ZulipUserRef | OpenWebUIUserRef;

function invalidRef(message: string): never {
  fail('INVALID_INPUT', message, { field: 'ref' });
}

/** A deliberately loose email check: one @, something on each side, no spaces. */
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/**
 * Whether text looks like an email address, loosely (one @, something on
 * each side, no spaces): servers have the final word, this only catches
 * what was clearly typed wrong. The dialog and core use this one rule.
 */
export function looksLikeEmail(text: string): boolean {
  return text.length <= 320 && EMAIL.test(text);
}

/**
 * Whether a value is a Zulip user ID: a positive safe integer. The one rule
 * for what a lookup accepts, what a sync keeps and whose key a connection
 * test reports.
 */
export function isZulipUserId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * A Zulip reference: a positive integer ID (leading zeros and a leading #
 * tolerated) or an email address (the API email or, on Zulip 10+, the real
 * one where visible).
 */
export function parseZulipUserRef(input: string): ZulipUserRef {
  const text = typeof input === 'string' ? input.trim() : '';
  if (text === '') invalidRef('Type a Zulip user ID (like 42) or an email address.');
  const digits = /^#?(\d{1,16})$/.exec(text)?.[1];
  if (digits !== undefined) {
    const id = Number(digits);
    if (!isZulipUserId(id)) {
      invalidRef(`${text} is not a Zulip user ID: IDs are whole numbers from 1 up.`);
    }
    return { kind: 'zulip-id', userId: id };
  }
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    invalidRef(`${text} is not a Zulip user ID: IDs are whole numbers from 1 up.`);
  }
  if (looksLikeEmail(text) && !text.includes('/')) {
    return { kind: 'zulip-email', email: text };
  }
  invalidRef(
    `"${text.slice(0, 80)}" is neither a Zulip user ID (a number like 42) nor an email address.`,
  );
}

/** Open WebUI ids are UUIDs today; older and imported ones are other URL-safe strings (`john_doe`). */
const OWUI_ID = /^[A-Za-z0-9_][A-Za-z0-9._~:@+=-]{0,199}$/;

/**
 * Whether a value is an Open WebUI user id: a UUID today, another safe
 * string on older or imported accounts, but never `shared-…`, which the
 * server reads as a shared chat (so a user by that id could not be looked
 * up). The one rule for what a lookup accepts, what a sync keeps and whose
 * key a connection test reports.
 */
export function isOpenWebUIUserId(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    OWUI_ID.test(value) &&
    !value.includes('..') &&
    !/^shared-/i.test(value)
  );
}

/**
 * An Open WebUI reference: an email address (anything that looks like one:
 * ids are UUIDs, and the server's id route would answer "no user with id"
 * for an email), a user id, or `shared-{chat_id}` (the owner of a shared chat).
 */
export function parseOpenWebUIUserRef(input: string): OpenWebUIUserRef {
  const text = typeof input === 'string' ? input.trim() : '';
  if (text === '')
    invalidRef(
      'Type an Open WebUI user id (like 7d1e4a90-3c2b-…), an email address or shared-{chat id}.',
    );
  if (/^shared-/i.test(text)) {
    const chatId = text.slice('shared-'.length);
    if (!OWUI_ID.test(chatId)) {
      invalidRef(
        `"${text.slice(0, 80)}" is not a shared chat reference: after "shared-" comes the chat's id, like shared-3f2c9a7e-….`,
      );
    }
    return { kind: 'openwebui-shared-chat', chatId };
  }
  if (looksLikeEmail(text) && !text.includes('/')) return { kind: 'openwebui-email', email: text };
  if (!isOpenWebUIUserId(text)) {
    invalidRef(
      `"${text.slice(0, 80)}" is not an Open WebUI user id. Ids look like 7d1e4a90-3c2b-4f6e-8a57-b91c0d2e6f13 (Admin Panel → Users).`,
    );
  }
  return { kind: 'openwebui-id', userId: text };
}

/** How a reference reads in messages: "user 42", "zoe@example.com". */
export function describeRef(ref: UserRef): string {
  switch (ref.kind) {
    case 'zulip-id':
      return `user ID ${ref.userId}`;
    case 'zulip-email':
      return ref.email;
    case 'openwebui-id':
      return `user id ${ref.userId}`;
    case 'openwebui-email':
      return ref.email;
    case 'openwebui-shared-chat':
      return `the owner of shared chat ${ref.chatId}`;
  }
}

/** The user ID a reference names directly, if any (for looking in the cache first). */
export function directUserId(ref: UserRef): string | null {
  if (ref.kind === 'zulip-id') return String(ref.userId);
  if (ref.kind === 'openwebui-id') return ref.userId;
  return null;
}
