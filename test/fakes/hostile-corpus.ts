/**
 * The hostile corpus: what a malicious or broken Zulip or Open WebUI may
 * answer. Script and event-handler HTML in every string field, dangerous URL
 * schemes as pictures and links, huge and invisible text, NUL bytes, invalid
 * UTF-8, wrong types, deep nesting, duplicated IDs, and answers that attack
 * the transport (100 MB bodies, a gzip bomb, a 1 byte/s trickle, wrong
 * content types, redirect loops, redirects to file:// and to another origin).
 * hostile-world.ts serves it; test/security/ proves Rollcall shows each
 * answer inert or as a clear error.
 */
import { gzipSync } from 'node:zlib';
import { gifClaiming, jpegClaiming, pngClaiming, webpVp8xClaiming } from './image-headers';
import {
  PICTURE,
  PWN_FLAG,
  json,
  owuiUser,
  raw,
  zulipUser,
  ZULIP_FIELD_IDS,
  type HostileCase,
  type HostileContext,
  type Wire,
} from './hostile-world';

const run = `window.${PWN_FLAG}=1`;

/**
 * Markup that runs script if it ever reaches the DOM unsanitized: each
 * vector sets the flag the harness watches (or, for the few that cannot
 * run script, makes a request the CSP would report).
 */
export const XSS_VECTORS: Record<string, string> = {
  script: `<script>${run}</script>`,
  imgOnerror: `<img src=x onerror="${run}">`,
  svgOnload: `<svg onload="${run}"><circle r="1"/></svg>`,
  iframeSrcdoc: `<iframe srcdoc="<script>parent.${PWN_FLAG}=1</script>"></iframe>`,
  javascriptLink: `<a href="javascript:${run}">open</a>`,
  entityJavascriptLink: `<a href="&#106;avascript:${run}">open</a>`,
  spacedJavascriptLink: `<a href="  JaVaScRiPt:${run}">open</a>`,
  dataLink: `<a href="data:text/html,&lt;script&gt;${run}&lt;/script&gt;">open</a>`,
  fileLink: `<a href="file:///etc/passwd">open</a>`,
  detailsOntoggle: `<details open ontoggle="${run}"><summary>x</summary></details>`,
  mathMxss: `<math><mtext><table><mglyph><style><img src=x onerror="${run}">`,
  noscriptMxss: `<noscript><p title="</noscript><img src=x onerror=${run}>">`,
  formAction: `<form action="javascript:${run}"><button>go</button></form>`,
  objectEmbed: `<object data="javascript:${run}"></object><embed src="javascript:${run}">`,
  metaRefresh: `<meta http-equiv="refresh" content="0;url=javascript:${run}">`,
  baseHref: `<base href="javascript:${run}//">`,
  autofocus: `<input autofocus onfocus="${run}">`,
  styleUrl: `<p style="background:url(javascript:${run})">styled</p>`,
  templateImg: `<template><img src=x onerror="${run}"></template>`,
  videoSource: `<video><source onerror="${run}"></video>`,
  bodyOnload: `<body onload="${run}">`,
  linkOnclick: `<a href="https://rollcall.invalid/" onclick="${run}" target="_blank">site</a>`,
  attributeBreakout: `" onmouseover="${run}" x="`,
  templateInjection: `{{constructor.constructor('${run}')()}}`,
  remoteImage: `<img src="http://127.0.0.1:9/track.png">`,
  remoteStyle: `<style>@import url(http://127.0.0.1:9/x.css);</style><link rel="stylesheet" href="http://127.0.0.1:9/y.css">`,
};

/** Every vector in one string, for fields shown as text. */
const ALL_VECTORS = Object.values(XSS_VECTORS).join(' ');

/** A 10 000-character name, with and without places to wrap. */
const LONG_WORDS = Array.from({ length: 1000 }, (_, i) => `Name${i % 10}…`)
  .join(' ')
  .slice(0, 10_000);
const LONG_RUN = 'W'.repeat(10_000);

/** JSON nested `depth` levels deep, as text (too deep for any recursive walker). */
function deepJson(depth: number, leaf = '"<script>deep</script>"'): string {
  return `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;
}

function deepObjectJson(key: string, depth: number, leaf: string): string {
  return `${`{"${key}":`.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
}

/** A Zulip lookup answer as text, so cases can send what JSON.stringify cannot. */
function zulipUserText(ctx: HostileContext, userJson: string): string {
  return `{"result":"success","msg":"","user":${userJson}}`;
}

/** A user JSON text with `extra` spliced in before the closing brace. */
function withRawField(user: Wire, extra: string): string {
  const text = JSON.stringify(user);
  return `${text.slice(0, -1)},${extra}}`;
}

const id = (ctx: HostileContext): number => ctx.userId as number;
const sid = (ctx: HostileContext): string => ctx.userId as string;

/** Zulip: every string field, one case each, carrying every vector. */
const ZULIP_STRING_FIELDS: { field: string; over: (ctx: HostileContext) => Wire }[] = [
  { field: 'full_name', over: () => ({ full_name: ALL_VECTORS }) },
  { field: 'email', over: () => ({ email: `<img src=x onerror="${run}">@zulip.example` }) },
  {
    field: 'delivery_email',
    over: () => ({ delivery_email: `"><script>${run}</script>@zulip.example` }),
  },
  { field: 'timezone', over: () => ({ timezone: `<script>${run}</script>` }) },
  { field: 'date_joined', over: () => ({ date_joined: XSS_VECTORS.svgOnload }) },
  {
    field: 'short text field',
    over: () => ({ profile_data: { [ZULIP_FIELD_IDS.shortText]: { value: ALL_VECTORS } } }),
  },
  {
    field: 'long text field without rendering',
    over: () => ({ profile_data: { [ZULIP_FIELD_IDS.longText]: { value: ALL_VECTORS } } }),
  },
  {
    field: 'choice field',
    over: () => ({ profile_data: { [ZULIP_FIELD_IDS.choice]: { value: XSS_VECTORS.imgOnerror } } }),
  },
  {
    field: 'date field',
    over: () => ({ profile_data: { [ZULIP_FIELD_IDS.date]: { value: XSS_VECTORS.script } } }),
  },
  {
    field: 'github field',
    over: () => ({
      profile_data: { [ZULIP_FIELD_IDS.github]: { value: `"><img src=x onerror="${run}">` } },
    }),
  },
  {
    field: 'person field',
    over: () => ({
      profile_data: {
        [ZULIP_FIELD_IDS.person]: { value: `[1, "<script>${run}</script>", -4, 1e400]` },
      },
    }),
  },
  {
    field: 'pronouns field',
    over: () => ({ profile_data: { [ZULIP_FIELD_IDS.pronouns]: { value: ALL_VECTORS } } }),
  },
  {
    field: 'bot owner and type',
    over: () => ({
      is_bot: true,
      bot_type: 1,
      bot_owner_id: 1,
      full_name: `<b onmouseover="${run}">Bot</b>`,
    }),
  },
];

/** Open WebUI: every string field, one case each. */
const OWUI_STRING_FIELDS: { field: string; over: (ctx: HostileContext) => Wire }[] = [
  { field: 'name', over: () => ({ name: ALL_VECTORS }) },
  { field: 'email', over: () => ({ email: `<svg onload="${run}">@owui.example` }) },
  { field: 'username', over: () => ({ username: XSS_VECTORS.iframeSrcdoc }) },
  { field: 'bio', over: () => ({ bio: ALL_VECTORS }) },
  { field: 'gender', over: () => ({ gender: XSS_VECTORS.imgOnerror }) },
  { field: 'date_of_birth', over: () => ({ date_of_birth: `1990-01-01<script>${run}</script>` }) },
  { field: 'timezone', over: () => ({ timezone: XSS_VECTORS.script }) },
  { field: 'status_emoji', over: () => ({ status_emoji: XSS_VECTORS.imgOnerror }) },
  { field: 'status_message', over: () => ({ status_message: ALL_VECTORS }) },
  { field: 'presence_state', over: () => ({ presence_state: XSS_VECTORS.svgOnload }) },
  {
    field: 'info (nested)',
    over: () => ({ info: { about: ALL_VECTORS, links: [XSS_VECTORS.javascriptLink] } }),
  },
  {
    field: 'settings (with credentials)',
    over: () => ({
      settings: {
        ui: { notes: XSS_VECTORS.detailsOntoggle },
        directConnections: { OPENAI_API_KEYS: ['sk-userOwnKeyShouldBeHidden123'] },
      },
    }),
  },
  { field: 'oauth', over: () => ({ oauth: { oidc: { sub: XSS_VECTORS.mathMxss } } }) },
  { field: 'scim', over: () => ({ scim: { externalId: XSS_VECTORS.noscriptMxss } }) },
  {
    field: 'group names',
    over: () => ({ groups: [{ id: 'g-evil', name: ALL_VECTORS }] }),
  },
  {
    field: 'group ids',
    over: () => ({ groups: [], group_ids: [XSS_VECTORS.script, XSS_VECTORS.imgOnerror] }),
  },
  { field: 'role', over: () => ({ role: XSS_VECTORS.script }) },
];

function htmlCases(): HostileCase[] {
  const zulip = ZULIP_STRING_FIELDS.map(({ field, over }): HostileCase => ({
    id: `zulip-html-${field.replace(/[^a-z]+/g, '-')}`,
    product: 'zulip',
    category: 'html',
    title: `Zulip: script and event handlers in ${field}`,
    user: (ctx) => zulipUser(id(ctx), over(ctx)),
    expect: { lookup: 'user', sync: 'ok' },
  }));
  const rendered = Object.entries(XSS_VECTORS).map(([name, vector]): HostileCase => ({
    id: `zulip-rendered-${name}`,
    product: 'zulip',
    category: 'html',
    title: `Zulip: ${name} in a long text field's server-rendered HTML`,
    user: (ctx) =>
      zulipUser(id(ctx), {
        full_name: `Rendered ${name}`,
        profile_data: {
          [ZULIP_FIELD_IDS.longText]: { value: vector, rendered_value: `<p>${vector}</p>` },
        },
      }),
    expect: { lookup: 'user', sync: 'ok' },
  }));
  const owui = OWUI_STRING_FIELDS.map(({ field, over }): HostileCase => ({
    id: `owui-html-${field.replace(/[^a-z]+/g, '-')}`,
    product: 'openwebui',
    category: 'html',
    title: `Open WebUI: script and event handlers in ${field}`,
    user: (ctx) => owuiUser(sid(ctx), over(ctx)),
    expect: { lookup: 'user', sync: 'ok' },
  }));
  const definitions: HostileCase[] = [
    {
      id: 'zulip-html-field-definition',
      product: 'zulip',
      category: 'html',
      title: 'Zulip: script in a profile field name, hint and choices',
      fields: () => [
        {
          id: 41,
          name: `<img src=x onerror="${run}">Field`,
          type: 3,
          hint: XSS_VECTORS.script,
          field_data: JSON.stringify({ evil: { text: XSS_VECTORS.svgOnload, order: '1' } }),
          order: 41,
          display_in_profile_summary: true,
          required: false,
          editable_by_user: true,
        },
      ],
      user: (ctx) => zulipUser(id(ctx), { profile_data: { '41': { value: 'evil' } } }),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'zulip-html-external-account-pattern',
      product: 'zulip',
      category: 'url',
      title: 'Zulip: an external account whose URL pattern is javascript:',
      fields: () => [
        {
          id: 42,
          name: 'Evil account',
          type: 7,
          hint: '',
          field_data: JSON.stringify({
            subtype: 'custom',
            url_pattern: `javascript:${run}//%(username)s`,
          }),
          order: 42,
          required: false,
          editable_by_user: true,
        },
      ],
      user: (ctx) => zulipUser(id(ctx), { profile_data: { '42': { value: 'someone' } } }),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'zulip-html-group-name',
      product: 'zulip',
      category: 'html',
      title: 'Zulip: script in a user group name',
      groups: (ctx) => [
        {
          id: 77,
          name: ALL_VECTORS,
          description: XSS_VECTORS.script,
          members: [id(ctx)],
          direct_subgroup_ids: [],
          is_system_group: false,
          deactivated: false,
        },
      ],
      user: (ctx) => zulipUser(id(ctx)),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'zulip-html-key-owner',
      product: 'zulip',
      category: 'html',
      title: "Zulip: script in the key owner's name (connection test)",
      me: () =>
        json({
          result: 'success',
          msg: '',
          ...zulipUser(1, { full_name: ALL_VECTORS, role: 100, is_owner: true }),
        }),
      user: (ctx) => zulipUser(id(ctx)),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'owui-html-key-owner',
      product: 'openwebui',
      category: 'html',
      title: "Open WebUI: script in the key owner's name (connection test)",
      me: () =>
        json({ id: 'admin-1', name: ALL_VECTORS, role: 'admin', email: XSS_VECTORS.script }),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'owui-html-key-owner-role',
      product: 'openwebui',
      category: 'html',
      title: "Open WebUI: script as the key owner's role",
      me: () => json({ id: 'admin-1', name: 'Ada', role: XSS_VECTORS.script }),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: 'ok', test: ['FORBIDDEN'] },
    },
  ];
  return [...zulip, ...rendered, ...owui, ...definitions];
}

function errorBodyCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  for (const [status, codes] of [
    [400, ['INVALID_INPUT']],
    [401, ['UNAUTHORIZED']],
    [403, ['FORBIDDEN']],
    [500, ['SERVER_ERROR']],
  ] as const) {
    cases.push({
      id: `zulip-error-${status}-html-message`,
      product: 'zulip',
      category: 'error-body',
      title: `Zulip: HTTP ${status} whose message is script`,
      lookup: () => json({ result: 'error', code: XSS_VECTORS.script, msg: ALL_VECTORS }, status),
      expect: { lookup: codes, sync: 'ok' },
    });
    cases.push({
      id: `owui-error-${status}-html-detail`,
      product: 'openwebui',
      category: 'error-body',
      title: `Open WebUI: HTTP ${status} whose detail is script`,
      lookup: () => json({ detail: [{ msg: ALL_VECTORS, loc: ['x'] }] }, status),
      expect: { lookup: codes, sync: 'ok' },
    });
  }
  cases.push({
    id: 'zulip-error-500-html-page',
    product: 'zulip',
    category: 'error-body',
    title: 'Zulip: HTTP 500 with a script-laden HTML page',
    lookup: () => raw(`<!doctype html><html><body>${ALL_VECTORS}</body></html>`, 'text/html', 500),
    expect: { lookup: ['SERVER_ERROR'], sync: 'ok' },
  });
  cases.push({
    id: 'zulip-error-deep-message',
    product: 'zulip',
    category: 'nesting',
    // 30 000 levels fit under the 256 KB Rollcall reads of an error body.
    title: 'Zulip: an error body nested 30 000 levels under msg',
    lookup: () => raw(deepObjectJson('msg', 30_000, '"deep"'), 'application/json', 400),
    expect: { lookup: ['INVALID_INPUT'], sync: 'ok' },
  });
  cases.push({
    id: 'owui-error-deep-detail',
    product: 'openwebui',
    category: 'nesting',
    title: 'Open WebUI: an error body nested 20 000 levels under detail',
    lookup: () => raw(deepObjectJson('detail', 20_000, '"deep"'), 'application/json', 500),
    expect: { lookup: ['SERVER_ERROR'], sync: 'ok' },
  });
  return cases;
}

function urlCases(): HostileCase[] {
  const zulipAvatar = (name: string, title: string, avatarUrl: (ctx: HostileContext) => string) =>
    ({
      id: `zulip-avatar-${name}`,
      product: 'zulip',
      category: 'url',
      title: `Zulip: ${title} as the avatar URL`,
      user: (ctx) => zulipUser(id(ctx), { avatar_url: avatarUrl(ctx) }),
      expect: { lookup: 'user', sync: 'ok', avatar: 'none' },
    }) satisfies HostileCase;
  const owuiAvatar = (name: string, title: string, url: (ctx: HostileContext) => string) =>
    ({
      id: `owui-avatar-${name}`,
      product: 'openwebui',
      category: 'url',
      title: `Open WebUI: ${title} as the profile image URL`,
      user: (ctx) => owuiUser(sid(ctx), { profile_image_url: url(ctx) }),
      expect: { lookup: 'user', sync: 'ok', avatar: 'none' },
    }) satisfies HostileCase;
  const zulipServed = (name: string, title: string, answer: (ctx: HostileContext) => FakeAnswer) =>
    ({
      id: `zulip-avatar-${name}`,
      product: 'zulip',
      category: 'url',
      title: `Zulip: the avatar route answers ${title}`,
      user: (ctx) => zulipUser(id(ctx)),
      avatar: answer,
      expect: { lookup: 'user', sync: 'ok', avatar: 'none' },
    }) satisfies HostileCase;
  const link = (name: string, value: string): HostileCase => ({
    id: `zulip-link-${name}`,
    product: 'zulip',
    category: 'url',
    title: `Zulip: a link field holding ${name}`,
    user: (ctx) => zulipUser(id(ctx), { profile_data: { [ZULIP_FIELD_IDS.link]: { value } } }),
    expect: { lookup: 'user', sync: 'ok' },
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" onload="${run}"><script>${run}</script></svg>`;
  return [
    zulipAvatar('javascript', 'a javascript: URL', () => `javascript:${run}`),
    zulipAvatar(
      'data-html',
      'a data:text/html URL',
      () => `data:text/html,<script>${run}</script>`,
    ),
    zulipAvatar(
      'data-svg',
      'a data:image/svg+xml URL with script',
      () => `data:image/svg+xml,${encodeURIComponent(svg)}`,
    ),
    zulipAvatar('file', 'a file:// URL', () => 'file:///etc/passwd'),
    zulipAvatar(
      'credentials',
      'a URL with user:password',
      (ctx) => `${ctx.origin.replace('://', '://user:pass@')}/user_avatars/1.png`,
    ),
    zulipAvatar('vbscript', 'a vbscript: URL', () => 'vbscript:msgbox(1)'),
    {
      id: 'zulip-avatar-other-origin',
      product: 'zulip',
      category: 'url',
      title: 'Zulip: an avatar on another origin (fetched without the key)',
      user: (ctx) => zulipUser(id(ctx), { avatar_url: `${ctx.otherOrigin}/user.png` }),
      expect: { lookup: 'user', sync: 'ok', avatar: 'image' },
    },
    {
      id: 'zulip-avatar-protocol-relative',
      product: 'zulip',
      category: 'url',
      title: 'Zulip: a protocol-relative avatar on another origin',
      user: (ctx) =>
        zulipUser(id(ctx), { avatar_url: `${ctx.otherOrigin.replace(/^https?:/, '')}/user.png` }),
      expect: { lookup: 'user', sync: 'ok', avatar: 'image' },
    },
    zulipServed('svg', 'an SVG with script', () => raw(svg, 'image/svg+xml')),
    zulipServed('svg-as-png', 'SVG bytes labelled image/png', () => raw(svg, 'image/png')),
    zulipServed('html', 'an HTML page', () =>
      raw(`<html>${XSS_VECTORS.script}</html>`, 'text/html'),
    ),
    zulipServed('redirect-file', 'a redirect to file://', () => ({
      kind: 'redirect',
      to: 'file:///etc/passwd',
      exact: true,
    })),
    zulipServed('huge', '100 MB', () => ({
      kind: 'huge',
      bytes: 100 * 1024 * 1024,
      contentType: 'image/png',
    })),
    zulipServed('gzip-bomb', 'a gzip bomb', () => ({
      kind: 'gzip-bomb',
      bytes: 100 * 1024 * 1024,
    })),
    {
      id: 'zulip-avatar-redirect-other-origin',
      product: 'zulip',
      category: 'url',
      title: 'Zulip: the avatar route redirects to another origin (followed without the key)',
      user: (ctx) => zulipUser(id(ctx)),
      avatar: (ctx) => ({ kind: 'redirect', to: `${ctx.otherOrigin}/user.png`, exact: true }),
      expect: { lookup: 'user', sync: 'ok', avatar: 'image' },
    },
    owuiAvatar('javascript', 'a javascript: URL', () => `javascript:${run}`),
    owuiAvatar(
      'data-html',
      'a data:text/html URL',
      () => `data:text/html;base64,${Buffer.from(`<script>${run}</script>`).toString('base64')}`,
    ),
    owuiAvatar(
      'data-svg',
      'a base64 SVG data: URL',
      () => `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
    ),
    owuiAvatar('file', 'a file:// URL', () => 'file:///etc/shadow'),
    owuiAvatar(
      'traversal',
      'a relative path climbing out of the server',
      () => '/../../../../etc/passwd',
    ),
    owuiAvatar(
      'data-mislabelled',
      'a data:image/png URL holding HTML',
      () =>
        `data:image/png;base64,${Buffer.from(`<html>${XSS_VECTORS.script}</html>`).toString('base64')}`,
    ),
    {
      id: 'owui-avatar-data-png',
      product: 'openwebui',
      category: 'url',
      title: 'Open WebUI: a genuine data:image/png URL (decoded, no request)',
      user: (ctx) =>
        owuiUser(sid(ctx), {
          profile_image_url: `data:image/png;base64,${Buffer.from(PICTURE).toString('base64')}`,
        }),
      expect: { lookup: 'user', sync: 'ok', avatar: 'image' },
    },
    {
      id: 'owui-avatar-other-origin',
      product: 'openwebui',
      category: 'url',
      title: 'Open WebUI: a profile image on another origin (fetched without the key)',
      user: (ctx) =>
        owuiUser(sid(ctx), { profile_image_url: `${ctx.otherOrigin}/user_avatars/7.png` }),
      expect: { lookup: 'user', sync: 'ok', avatar: 'image' },
    },
    {
      id: 'owui-avatar-banner-javascript',
      product: 'openwebui',
      category: 'url',
      title: 'Open WebUI: a javascript: banner image URL',
      user: (ctx) => owuiUser(sid(ctx), { profile_banner_image_url: `javascript:${run}` }),
      expect: { lookup: 'user', sync: 'ok' },
    },
    link('javascript', `javascript:${run}`),
    link('spaced-javascript', `\t JaVaScRiPt:${run}`),
    link('data', `data:text/html,<script>${run}</script>`),
    link('file', 'file:///etc/passwd'),
    link('credentials', 'https://admin:hunter2@rollcall.invalid/'),
    link('custom-scheme', 'ms-msdt:/id PCWDiagnostic /skip force'),
  ];
}

type FakeAnswer = ReturnType<NonNullable<HostileCase['lookup']>>;

function textCases(): HostileCase[] {
  const z = (
    name: string,
    category: HostileCase['category'],
    title: string,
    over: (ctx: HostileContext) => Wire,
    shows?: (ctx: HostileContext) => string,
  ): HostileCase => ({
    id: `zulip-${category}-${name}`,
    product: 'zulip',
    category,
    title: `Zulip: ${title}`,
    user: (ctx) => zulipUser(id(ctx), over(ctx)),
    expect: { lookup: 'user', sync: 'ok' },
    ...(shows ? { shows } : {}),
  });
  const o = (
    name: string,
    category: HostileCase['category'],
    title: string,
    over: (ctx: HostileContext) => Wire,
  ): HostileCase => ({
    id: `owui-${category}-${name}`,
    product: 'openwebui',
    category,
    title: `Open WebUI: ${title}`,
    user: (ctx) => owuiUser(sid(ctx), over(ctx)),
    expect: { lookup: 'user', sync: 'ok' },
  });
  return [
    z('name-10k-words', 'long', 'a 10 000-character name', () => ({ full_name: LONG_WORDS })),
    z('name-10k-run', 'long', 'a 10 000-character name without spaces', () => ({
      full_name: LONG_RUN,
    })),
    z('email-10k', 'long', 'a 10 000-character email', () => ({
      email: `${'e'.repeat(9_980)}@zulip.example`,
    })),
    z('timezone-10k', 'long', 'a 10 000-character timezone', () => ({ timezone: LONG_RUN })),
    z('rendered-500k', 'long', 'half a megabyte of nested rendered HTML', () => ({
      profile_data: {
        [ZULIP_FIELD_IDS.longText]: {
          value: 'x',
          rendered_value: `${'<b><i>'.repeat(20_000)}deep${'</i></b>'.repeat(20_000)}${'<p>para</p>'.repeat(20_000)}`,
        },
      },
    })),
    z('5000-fields', 'long', 'five thousand profile field values', () => ({
      profile_data: Object.fromEntries(
        Array.from({ length: 5000 }, (_, i) => [String(1000 + i), { value: `v${i}<b>` }]),
      ),
    })),
    o('name-10k-words', 'long', 'a 10 000-character name', () => ({ name: LONG_WORDS })),
    o('bio-100k', 'long', 'a 100 000-character bio', () => ({ bio: `${LONG_WORDS} `.repeat(10) })),
    z('name-rlo', 'bidi', 'a right-to-left override in the name', () => ({
      full_name: 'Admin \u202Enimda\u202C user',
    })),
    z(
      'name-rlo-unterminated',
      'bidi',
      'an unterminated right-to-left override in the name',
      () => ({
        full_name: 'Eve \u202E\u2067moc.elpmaxe@live',
      }),
    ),
    z('email-zero-width', 'bidi', 'zero-width characters in the email', () => ({
      email: 'ad\u200Bmin\u200D@zulip.example',
      delivery_email: 'ad\u200Bmin\u200D@zulip.example',
    })),
    z('name-only-invisible', 'bidi', 'a name made only of invisible characters', () => ({
      full_name: '\u200B\u200C\u200D\u2060\uFEFF\u202E',
    })),
    z('name-zalgo', 'bidi', 'a name of stacked combining marks', () => ({
      full_name: `Z${'\u0301\u0327\u0336'.repeat(300)}algo`,
    })),
    o('name-rlo', 'bidi', 'a right-to-left override in the name', () => ({
      name: 'Root \u202Etoor\u202C',
      email: '\u202Emoc.live@eve',
    })),
    o('group-rlo', 'bidi', 'a right-to-left isolate in a group name', () => ({
      groups: [{ id: 'g-rtl', name: '\u2067Admins\u2069 \u202EsnimdA' }],
    })),
    z('name-nul', 'nul', 'NUL characters in the name', () => ({
      full_name: 'Nul\u0000Byte\u0000User',
    })),
    z('rendered-nul', 'nul', 'a NUL inside a script tag of rendered HTML', () => ({
      profile_data: {
        [ZULIP_FIELD_IDS.longText]: {
          value: 'x',
          rendered_value: `<scr\u0000ipt>${run}</scr\u0000ipt><img src=x on\u0000error="${run}">`,
        },
      },
    })),
    o('email-nul', 'nul', 'a NUL inside the email', () => ({ email: 'a\u0000b@owui.example' })),
    o('controls', 'nul', 'every C0 control character in the name', () => ({
      name: `C${Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('')}D`,
    })),
    z('name-lone-surrogate', 'utf8', 'a lone surrogate in the name', () => ({
      full_name: 'Broken \ud800 pair \udfff',
    })),
    o('name-lone-surrogate', 'utf8', 'a lone surrogate in the name', () => ({
      name: '\udc00 lonely',
    })),
  ];
}

function typeCases(): HostileCase[] {
  const z = (
    name: string,
    title: string,
    over: (ctx: HostileContext) => Wire,
    expect: HostileCase['expect'] = { lookup: 'user', sync: 'ok' },
    breaksList = false,
  ): HostileCase => ({
    id: `zulip-types-${name}`,
    product: 'zulip',
    category: 'types',
    title: `Zulip: ${title}`,
    user: (ctx) => zulipUser(id(ctx), over(ctx)),
    expect,
    breaksList,
  });
  const o = (
    name: string,
    title: string,
    over: (ctx: HostileContext) => Wire,
    expect: HostileCase['expect'] = { lookup: 'user', sync: 'ok' },
    breaksList = false,
  ): HostileCase => ({
    id: `owui-types-${name}`,
    product: 'openwebui',
    category: 'types',
    title: `Open WebUI: ${title}`,
    user: (ctx) => owuiUser(sid(ctx), over(ctx)),
    expect,
    breaksList,
  });
  // The lookup cannot read the user; a sync skips and counts it, and the rest syncs (issue 13).
  const bad = { lookup: ['BAD_RESPONSE'], sync: 'ok' } as const;
  return [
    z(
      'user-id-string',
      'the user_id as a string',
      (ctx) => ({ user_id: String(id(ctx)) }),
      bad,
      true,
    ),
    z('user-id-float', 'a fractional user_id', (ctx) => ({ user_id: id(ctx) + 0.5 }), bad, true),
    z('user-id-negative', 'a negative user_id', () => ({ user_id: -5 }), bad, true),
    z('user-id-unsafe', 'a user_id beyond 2^53', () => ({ user_id: 2 ** 60 }), bad, true),
    z('role-string', 'the role as a string', () => ({ role: '200', is_admin: 'true' })),
    z('role-unknown', 'an unknown role number', () => ({ role: -99999 })),
    z('flags-strings', 'is_active and is_bot as strings', () => ({
      is_active: 'false',
      is_bot: 'true',
      bot_type: '1',
    })),
    z('name-number', 'numbers where names and emails go', () => ({
      full_name: 12345,
      email: 42,
      delivery_email: true,
      timezone: 7,
    })),
    z('profile-data-array', 'profile_data as an array', () => ({
      profile_data: [XSS_VECTORS.script],
    })),
    z('profile-value-object', 'a profile value that is an object', () => ({
      profile_data: { [ZULIP_FIELD_IDS.shortText]: { value: { evil: XSS_VECTORS.script } } },
    })),
    z('dates-numbers', 'a numeric date_joined and a string avatar_version', () => ({
      date_joined: 1e308,
      avatar_version: '7',
    })),
    {
      id: 'zulip-types-field-definitions',
      product: 'zulip',
      category: 'types',
      title: 'Zulip: profile field definitions with string ids and types',
      fields: () => [
        { id: '51', name: 'Stringly', type: '2', order: 'first', field_data: 17 },
        { id: 52, name: ['not', 'a', 'name'], type: 99, order: 52 },
      ],
      user: (ctx) =>
        zulipUser(id(ctx), { profile_data: { '51': { value: 'a' }, '52': { value: 'b' } } }),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'zulip-types-members-not-list',
      product: 'zulip',
      category: 'types',
      title: 'Zulip: a directory whose members is a string',
      list: () => json({ result: 'success', msg: '', members: XSS_VECTORS.script }),
      user: (ctx) => zulipUser(id(ctx)),
      expect: { lookup: 'user', sync: ['BAD_RESPONSE'] },
    },
    {
      id: 'zulip-types-user-array',
      product: 'zulip',
      category: 'types',
      title: 'Zulip: a lookup whose user is an array',
      lookup: () => json({ result: 'success', msg: '', user: [1, 2, 3] }),
      expect: { lookup: ['BAD_RESPONSE'], sync: 'ok' },
    },
    {
      id: 'zulip-types-top-level-number',
      product: 'zulip',
      category: 'types',
      title: 'Zulip: a lookup answered with a bare number',
      lookup: () => raw('42'),
      expect: { lookup: ['BAD_RESPONSE'], sync: 'ok' },
    },
    o('id-number', 'the id as a number', () => ({ id: 12345 }), bad, true),
    o('id-empty', 'an empty id', () => ({ id: '' }), bad, true),
    o('timestamps-strings', 'timestamps as strings', () => ({
      created_at: '1700000000',
      updated_at: 'yesterday',
      last_active_at: '1e20',
      status_expires_at: XSS_VECTORS.script,
    })),
    o('timestamps-absurd', 'absurd timestamps', () => ({
      created_at: 1e300,
      updated_at: -1,
      last_active_at: Number.MAX_SAFE_INTEGER + 2,
    })),
    o('fields-wrong-types', 'numbers, booleans and objects where text goes', () => ({
      name: 42,
      email: true,
      username: { evil: XSS_VECTORS.script },
      bio: ['a', XSS_VECTORS.script],
      timezone: 3,
      groups: 'staff',
      group_ids: { a: 1 },
    })),
    {
      id: 'owui-types-list-old-format',
      product: 'openwebui',
      category: 'types',
      title: 'Open WebUI: the directory as a bare array (old servers)',
      list: (ctx) => json([owuiUser(sid(ctx))]),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: ['BAD_RESPONSE'] },
    },
    {
      id: 'owui-types-total-string',
      product: 'openwebui',
      category: 'types',
      title: 'Open WebUI: the total as a string',
      list: (ctx, page) => json({ users: page === 1 ? [owuiUser(sid(ctx))] : [], total: '1' }),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'owui-types-users-not-list',
      product: 'openwebui',
      category: 'types',
      title: 'Open WebUI: a page whose users is a string',
      list: () => json({ users: XSS_VECTORS.script, total: 1 }),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: ['BAD_RESPONSE'] },
    },
  ];
}

function nestingAndDuplicateCases(): HostileCase[] {
  return [
    {
      id: 'zulip-nesting-deep-extra-key',
      product: 'zulip',
      category: 'nesting',
      title: 'Zulip: an unknown key nested 100 000 levels deep',
      lookup: (ctx) =>
        raw(zulipUserText(ctx, withRawField(zulipUser(id(ctx)), `"deep":${deepJson(100_000)}`))),
      user: (ctx) => zulipUser(id(ctx)),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'zulip-nesting-deep-body',
      product: 'zulip',
      category: 'nesting',
      title: 'Zulip: a lookup answered with an array nested 100 000 levels',
      lookup: () => raw(deepJson(100_000)),
      expect: { lookup: ['BAD_RESPONSE'], sync: 'ok' },
    },
    {
      id: 'zulip-nesting-deep-list',
      product: 'zulip',
      category: 'nesting',
      title: 'Zulip: a directory member nested 50 000 levels deep',
      list: (ctx) =>
        raw(
          `{"result":"success","msg":"","members":[${withRawField(zulipUser(id(ctx)), `"deep":${deepJson(50_000)}`)}]}`,
        ),
      user: (ctx) => zulipUser(id(ctx)),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'zulip-nesting-profile-value',
      product: 'zulip',
      category: 'nesting',
      title: 'Zulip: a profile value nested 10 000 levels deep',
      lookup: (ctx) =>
        raw(
          zulipUserText(
            ctx,
            withRawField(
              zulipUser(id(ctx), { profile_data: undefined }),
              `"profile_data":{"1":{"value":${deepJson(10_000)}}}`,
            ),
          ),
        ),
      user: (ctx) => zulipUser(id(ctx)),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'owui-nesting-deep-info',
      product: 'openwebui',
      category: 'nesting',
      title: 'Open WebUI: info nested 100 000 levels deep',
      lookup: (ctx) =>
        raw(
          withRawField(
            owuiUser(sid(ctx), { info: undefined }),
            `"info":${deepObjectJson('a', 100_000, '1')}`,
          ),
        ),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'owui-nesting-deep-settings-list',
      product: 'openwebui',
      category: 'nesting',
      title: 'Open WebUI: a directory entry whose settings nest 50 000 levels',
      list: (ctx, page) =>
        raw(
          page === 1
            ? `{"users":[${withRawField(owuiUser(sid(ctx), { settings: undefined }), `"settings":${deepObjectJson('s', 50_000, '"x"')}`)}],"total":1}`
            : '{"users":[],"total":1}',
        ),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'zulip-duplicates-in-list',
      product: 'zulip',
      category: 'duplicates',
      title: 'Zulip: the same user_id three times in the directory, names differing',
      user: (ctx) => zulipUser(id(ctx), { full_name: 'First copy' }),
      listUsers: (ctx) => [
        zulipUser(id(ctx), { full_name: 'First copy' }),
        zulipUser(id(ctx), { full_name: XSS_VECTORS.script }),
        zulipUser(id(ctx), { full_name: 'Third copy', is_active: false }),
      ],
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'zulip-duplicates-answers-other-id',
      product: 'zulip',
      category: 'duplicates',
      title: "Zulip: a lookup answered with another user's ID",
      user: () =>
        zulipUser(2, {
          full_name: `Impostor ${XSS_VECTORS.imgOnerror}`,
          email: 'mel@zulip.example',
        }),
      listUsers: () => [],
      // Not the user asked for: an error in words, nothing cached (issue 13).
      expect: { lookup: ['BAD_RESPONSE'], sync: 'ok' },
    },
    {
      id: 'zulip-duplicates-json-keys',
      product: 'zulip',
      category: 'duplicates',
      title: 'Zulip: a user object with every key twice',
      lookup: (ctx) =>
        raw(
          zulipUserText(
            ctx,
            withRawField(
              zulipUser(id(ctx)),
              `"full_name":${JSON.stringify(ALL_VECTORS)},"user_id":${id(ctx)}`,
            ),
          ),
        ),
      user: (ctx) => zulipUser(id(ctx)),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'zulip-duplicates-field-ids',
      product: 'zulip',
      category: 'duplicates',
      title: 'Zulip: two profile field definitions with the same id',
      fields: () => [
        { id: 61, name: 'Twin A', type: 1, hint: '', field_data: '', order: 61, required: false },
        {
          id: 61,
          name: `Twin B ${XSS_VECTORS.script}`,
          type: 2,
          hint: '',
          field_data: '',
          order: 62,
          required: false,
        },
      ],
      user: (ctx) => zulipUser(id(ctx), { profile_data: { '61': { value: 'twin' } } }),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'owui-duplicates-across-pages',
      product: 'openwebui',
      category: 'duplicates',
      title: 'Open WebUI: the same user on every page, pages never ending',
      list: (ctx) =>
        json({
          users: Array.from({ length: 30 }, () => owuiUser(sid(ctx), { name: XSS_VECTORS.script })),
          total: 31,
        }),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'owui-duplicates-group-ids',
      product: 'openwebui',
      category: 'duplicates',
      title: 'Open WebUI: the same group listed many times',
      user: (ctx) =>
        owuiUser(sid(ctx), {
          groups: Array.from({ length: 50 }, () => ({
            id: 'g-staff',
            name: XSS_VECTORS.svgOnload,
          })),
          group_ids: Array.from({ length: 50 }, () => 'g-staff'),
        }),
      expect: { lookup: 'user', sync: 'ok' },
    },
  ];
}

/** Bytes that are not UTF-8: a JSON user whose name holds them. */
function invalidUtf8User(userJsonPrefix: string, suffix: string, bad: number[]): Uint8Array {
  return Buffer.concat([Buffer.from(userJsonPrefix), Buffer.from(bad), Buffer.from(suffix)]);
}

function transportCases(): HostileCase[] {
  const MB100 = 100 * 1024 * 1024;
  const both = (
    name: string,
    title: string,
    lookup: (ctx: HostileContext) => FakeAnswer,
    codes: readonly string[],
    extra: Partial<HostileCase> = {},
  ): HostileCase[] =>
    (['zulip', 'openwebui'] as const).map((product) => ({
      id: `${product === 'zulip' ? 'zulip' : 'owui'}-transport-${name}`,
      product,
      category: 'transport',
      title: `${product === 'zulip' ? 'Zulip' : 'Open WebUI'}: ${title}`,
      lookup,
      expect: { lookup: codes, sync: 'ok' },
      ...extra,
    }));
  const gzipGarbage = gzipSync(Buffer.from('not json at all')).subarray(0, 12);
  return [
    ...both('huge-streamed', 'a 100 MB body, streamed', () => ({ kind: 'huge', bytes: MB100 }), [
      'TOO_LARGE',
    ]),
    ...both(
      'huge-declared',
      'a 100 MB body with its Content-Length',
      () => ({
        kind: 'huge',
        bytes: MB100,
        declareLength: true,
      }),
      ['TOO_LARGE'],
    ),
    // A reader slowed by a loaded machine may see the fake's keep-alive timer
    // close the socket under it first: "dropped while answering", also clear.
    ...both(
      'gzip-bomb',
      'a gzip bomb (100 KB inflating to 100 MB)',
      () => ({ kind: 'gzip-bomb', bytes: MB100 }),
      ['TOO_LARGE', 'OFFLINE'],
    ),
    ...both(
      'trickle',
      'a body trickled at 1 byte a second',
      () => ({ kind: 'trickle', intervalMs: 1000 }),
      ['TIMEOUT'],
      { slow: true },
    ),
    ...both(
      'text-plain',
      'JSON labelled text/plain',
      (ctx) =>
        raw(
          JSON.stringify({ result: 'success', user: zulipUser(1), id: ctx.userId }),
          'text/plain',
        ),
      ['NOT_AN_API'],
    ),
    ...both(
      'html-200',
      'a 200 web page (an SPA fallback)',
      () => raw(`<!doctype html><html>${XSS_VECTORS.script}</html>`, 'text/html'),
      ['NOT_AN_API'],
    ),
    ...both(
      'html-as-json',
      'HTML labelled application/json',
      () => raw(`<html>${XSS_VECTORS.script}</html>`),
      ['BAD_RESPONSE'],
    ),
    ...both(
      'no-content-type',
      'a body with no content type',
      () => ({
        kind: 'status',
        status: 200,
        body: '{"a":1}',
        contentType: '',
      }),
      ['NOT_AN_API'],
    ),
    ...both(
      'redirect-loop',
      'a redirect to itself',
      (ctx) => ({
        kind: 'redirect',
        to: `${ctx.base}/api/v1/users/${encodeURIComponent(String(ctx.userId))}${ctx.product === 'zulip' ? '?client_gravatar=true&include_custom_profile_fields=true' : ''}`,
        exact: true,
      }),
      ['BAD_RESPONSE'],
    ),
    ...both(
      'redirect-chain',
      'a redirect chain that never ends',
      (ctx) => ({
        kind: 'redirect',
        to: `${ctx.base}/api/v1/users/${encodeURIComponent(String(ctx.userId))}?hop=${Math.random()}`,
        exact: true,
      }),
      ['BAD_RESPONSE'],
    ),
    ...both(
      'redirect-file',
      'a redirect to file://',
      () => ({ kind: 'redirect', to: 'file:///etc/passwd', exact: true }),
      ['BAD_RESPONSE'],
    ),
    ...both(
      'redirect-javascript',
      'a redirect to javascript:',
      () => ({ kind: 'redirect', to: `javascript:${run}`, exact: true }),
      ['BAD_RESPONSE'],
    ),
    ...both(
      'redirect-other-origin',
      'a redirect to another origin (the key stays behind)',
      (ctx) => ({
        kind: 'redirect',
        to: `${ctx.otherOrigin}/api/v1/users/1`,
        exact: true,
      }),
      ['UNAUTHORIZED', 'NOT_AN_API'],
    ),
    ...both(
      'redirect-no-location',
      'a redirect without a Location',
      () => ({ kind: 'status', status: 302, body: '' }),
      ['BAD_RESPONSE'],
    ),
    ...both(
      'redirect-bad-location',
      'a redirect to an invalid address',
      () => ({
        kind: 'status',
        status: 307,
        body: '',
        headers: { Location: 'http://[::1' },
      }),
      ['BAD_RESPONSE'],
    ),
    ...both('truncated', 'JSON cut off halfway', () => ({ kind: 'truncated' }), ['BAD_RESPONSE']),
    ...both('empty', 'an empty 200', () => raw(''), ['BAD_RESPONSE']),
    ...both('reset-mid-body', 'a connection dropped mid-body', () => ({ kind: 'reset-mid-body' }), [
      'OFFLINE',
    ]),
    ...both(
      'nul-bytes',
      'raw NUL bytes inside the JSON',
      () =>
        raw(
          Buffer.from(
            '{"result":"success","user":{"user_id":1,"full_name":"a\u0000b"},"id":"a\u0000"}',
            'utf8',
          ),
        ),
      ['BAD_RESPONSE'],
    ),
    ...both(
      'invalid-utf8',
      'invalid UTF-8 in a string',
      () =>
        raw(
          invalidUtf8User(
            '{"result":"success","msg":"","user":{"user_id":1000,"id":"x","full_name":"',
            '"}}',
            [0xff, 0xfe, 0xc3, 0x28],
          ),
        ),
      ['BAD_RESPONSE'],
    ),
    ...both(
      'overlong-utf8',
      'an overlong UTF-8 encoding of <',
      () =>
        raw(
          invalidUtf8User(
            '{"result":"success","msg":"","user":{"user_id":1000,"id":"x","full_name":"',
            'script"}}',
            [0xc0, 0xbc],
          ),
        ),
      ['BAD_RESPONSE'],
    ),
    ...both(
      'utf16',
      'UTF-16 labelled as such',
      () => raw(Buffer.from('{"a":"b"}', 'utf16le'), 'application/json; charset=utf-16'),
      ['BAD_RESPONSE'],
    ),
    ...both(
      'garbage-gzip',
      'a body claiming gzip that is not',
      () => ({
        kind: 'status',
        status: 200,
        body: gzipGarbage,
        contentType: 'application/json',
        headers: { 'Content-Encoding': 'gzip' },
      }),
      ['OFFLINE', 'BAD_RESPONSE'],
    ),
    ...both(
      'retry-after-forever',
      'HTTP 429 asking to wait a billion seconds',
      () => json({ msg: 'slow down' }, 429, { 'Retry-After': '1000000000' }),
      ['RATE_LIMITED'],
    ),
    ...both(
      'retry-after-garbage',
      'HTTP 429 with a nonsense Retry-After',
      () => json({ msg: XSS_VECTORS.script }, 429, { 'Retry-After': 'soon<script>' }),
      ['RATE_LIMITED'],
      { slow: true },
    ),
    ...both(
      'status-299',
      'an unusual success status with no body',
      () => raw('', 'application/json', 299),
      ['BAD_RESPONSE'],
    ),
    {
      id: 'zulip-transport-list-huge',
      product: 'zulip',
      category: 'transport',
      title: 'Zulip: a 100 MB directory answer',
      list: () => ({ kind: 'huge', bytes: MB100 }),
      user: (ctx) => zulipUser(id(ctx)),
      // Read in full (a whole organization may be 256 MB) and refused as not
      // JSON. A reader slowed by the other cases may instead see the fake's
      // keep-alive timer close the socket under it: "dropped", also clear.
      expect: { lookup: 'user', sync: ['BAD_RESPONSE', 'TOO_LARGE', 'OFFLINE'] },
    },
    {
      id: 'zulip-transport-list-gzip-bomb',
      product: 'zulip',
      category: 'transport',
      title: 'Zulip: a gzip bomb as the directory answer',
      list: () => ({ kind: 'gzip-bomb', bytes: MB100 }),
      user: (ctx) => zulipUser(id(ctx)),
      expect: { lookup: 'user', sync: ['BAD_RESPONSE', 'TOO_LARGE', 'OFFLINE'] },
    },
    {
      id: 'zulip-transport-list-trickle',
      product: 'zulip',
      category: 'transport',
      title: 'Zulip: a directory answer trickled at 1 byte a second (cancelled)',
      list: () => ({ kind: 'trickle', intervalMs: 1000 }),
      user: (ctx) => zulipUser(id(ctx)),
      expect: { lookup: 'user', sync: ['CANCELLED'], cancelSyncAfterMs: 2500 },
    },
    {
      id: 'zulip-transport-list-redirect-other-origin',
      product: 'zulip',
      category: 'transport',
      title: 'Zulip: the directory redirects to another origin',
      list: (ctx) => ({ kind: 'redirect', to: `${ctx.otherOrigin}/api/v1/users/`, exact: true }),
      user: (ctx) => zulipUser(id(ctx)),
      expect: { lookup: 'user', sync: ['UNAUTHORIZED', 'NOT_AN_API'] },
    },
    {
      id: 'owui-transport-list-huge',
      product: 'openwebui',
      category: 'transport',
      title: 'Open WebUI: a 100 MB page of users',
      list: () => ({ kind: 'huge', bytes: MB100 }),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: ['TOO_LARGE', 'OFFLINE'] },
    },
    {
      id: 'owui-transport-list-gzip-bomb',
      product: 'openwebui',
      category: 'transport',
      title: 'Open WebUI: a gzip bomb as a page of users',
      list: () => ({ kind: 'gzip-bomb', bytes: MB100 }),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: ['TOO_LARGE', 'OFFLINE'] },
    },
    {
      id: 'owui-transport-list-trickle',
      product: 'openwebui',
      category: 'transport',
      title: 'Open WebUI: a page of users trickled at 1 byte a second',
      list: () => ({ kind: 'trickle', intervalMs: 1000 }),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: ['TIMEOUT'] },
      slow: true,
    },
    {
      id: 'owui-transport-list-html',
      product: 'openwebui',
      category: 'transport',
      title: 'Open WebUI: the directory answered with the web app (wrong content type)',
      list: () => raw(`<!doctype html>${XSS_VECTORS.script}`, 'text/html'),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: ['NOT_AN_API'] },
    },
    {
      id: 'owui-transport-list-invalid-utf8',
      product: 'openwebui',
      category: 'utf8',
      title: 'Open WebUI: a page of users with invalid UTF-8',
      list: () =>
        raw(invalidUtf8User('{"users":[{"id":"x","name":"', '"}],"total":1}', [0xed, 0xa0, 0x80])),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: ['BAD_RESPONSE'] },
    },
    {
      id: 'zulip-transport-me-trickle',
      product: 'zulip',
      category: 'transport',
      title: 'Zulip: the connection test trickled at 1 byte a second',
      me: () => ({ kind: 'trickle', intervalMs: 1000 }),
      user: (ctx) => zulipUser(id(ctx)),
      expect: { lookup: 'user', sync: 'ok', test: ['TIMEOUT'] },
      slow: true,
    },
    {
      id: 'owui-transport-me-redirect-other-origin',
      product: 'openwebui',
      category: 'transport',
      title: 'Open WebUI: the connection test redirects to another origin',
      me: (ctx) => ({ kind: 'redirect', to: `${ctx.otherOrigin}/api/v1/auths/`, exact: true }),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: 'ok', test: ['UNAUTHORIZED', 'NOT_AN_API', 'BAD_RESPONSE'] },
    },
  ];
}

// Issue 13, class 1 (unbounded text): fields of ten megabytes. A lookup of
// one user is refused as too large; a sync takes them in, cut to their caps.

/** Ten megabytes of words, built once and shared by every answer that sends it. */
let tenMegabytes: string | null = null;
function tenMegabyteText(): string {
  tenMegabytes ??= `Huge ${Array.from({ length: 20_000 }, (_, i) => `w${i}`).join(' ')} `
    .repeat(100)
    .slice(0, 10 * 1024 * 1024);
  return tenMegabytes;
}

function unboundedTextCases(): HostileCase[] {
  const tooLarge = { lookup: ['TOO_LARGE'], sync: 'ok' } as const;
  return [
    {
      id: 'zulip-long-name-10mb',
      product: 'zulip',
      category: 'long',
      title: 'Zulip: a 10 MB full_name',
      user: (ctx) => zulipUser(id(ctx), { full_name: tenMegabyteText() }),
      expect: tooLarge,
    },
    {
      id: 'zulip-long-field-10mb',
      product: 'zulip',
      category: 'long',
      title: 'Zulip: a 10 MB long text field value and its rendered HTML',
      user: (ctx) =>
        zulipUser(id(ctx), {
          profile_data: {
            [ZULIP_FIELD_IDS.longText]: {
              value: tenMegabyteText(),
              rendered_value: `<p>${tenMegabyteText()}</p>`,
            },
          },
        }),
      expect: tooLarge,
    },
    {
      id: 'owui-long-name-10mb',
      product: 'openwebui',
      category: 'long',
      title: 'Open WebUI: a 10 MB name and a 10 MB bio',
      user: (ctx) => owuiUser(sid(ctx), { name: tenMegabyteText(), bio: tenMegabyteText() }),
      expect: tooLarge,
    },
  ];
}

// Issue 13, class 6: picture URLs aiming the admin's key at other paths of the
// server's origin. hostile-core.test.ts checks no request to a path holding
// `leak-target` or `api_key` carried a key.
function pictureKeyCases(): HostileCase[] {
  const owui = (
    slug: string,
    what: string,
    url: (ctx: HostileContext) => string,
    avatar: 'image' | 'none' = 'none',
  ): HostileCase => ({
    id: `owui-picture-key-${slug}`,
    product: 'openwebui',
    category: 'url',
    title: `Open WebUI: a picture URL aimed at ${what} (fetched without the key)`,
    user: (ctx) => owuiUser(sid(ctx), { profile_image_url: url(ctx) }),
    expect: { lookup: 'user', sync: 'ok', avatar },
  });
  const zulip = (
    slug: string,
    what: string,
    url: (ctx: HostileContext) => string,
  ): HostileCase => ({
    id: `zulip-picture-key-${slug}`,
    product: 'zulip',
    category: 'url',
    title: `Zulip: a picture URL aimed at ${what} (fetched without the key)`,
    user: (ctx) => zulipUser(id(ctx), { avatar_url: url(ctx) }),
    expect: { lookup: 'user', sync: 'ok', avatar: 'none' },
  });
  return [
    owui('api-key-route', 'the API key route', () => '/api/v1/auths/api_key'),
    owui('dot-segments', 'another app by dot segments', () => '../leak-target/user.png'),
    owui(
      'encoded-dot-segments',
      'a path climbed out of the image route by %2e%2e',
      () => '/api/v1/users/%2e%2e/%2e%2e/%2e%2e/leak-target/profile/image',
    ),
    owui(
      'encoded-slash',
      'a path smuggled in as %2f',
      () => '/api/v1/users/x%2f..%2f..%2fleak-target/profile/image',
      // The world's image route answers it, without the key: a picture.
      'image',
    ),
    owui('backslash', 'another app by backslashes', () => '..\\leak-target\\user.png'),
    owui(
      'absolute-outside-base',
      'an absolute URL on the origin outside the base path',
      (ctx) => `${ctx.origin}/leak-target/api/v1/users/x/profile/image`,
    ),
    zulip('api-route', 'an API route', () => '/api/v1/leak-target/api_key'),
    zulip(
      'dot-segments',
      'a path climbed out of the avatars folder',
      () => '/user_avatars/../leak-target/1.png',
    ),
    zulip(
      'absolute-outside-base',
      'an absolute URL on the origin outside the base path',
      (ctx) => `${ctx.origin}/leak-target/user_avatars/1.png`,
    ),
  ];
}

// Issue 13, class 7: image bombs, a header claiming far more pixels than it
// carries. The picture must become the initials (no picture), not be decoded.
function imageBombCases(): HostileCase[] {
  const bomb = (
    product: 'zulip' | 'openwebui',
    slug: string,
    what: string,
    bytes: Uint8Array,
    type: string,
  ): HostileCase => ({
    id: `${product === 'zulip' ? 'zulip' : 'owui'}-picture-bomb-${slug}`,
    product,
    category: 'transport',
    title: `${product === 'zulip' ? 'Zulip' : 'Open WebUI'}: ${what} (an image bomb, refused)`,
    user: (ctx) => (product === 'zulip' ? zulipUser(id(ctx)) : owuiUser(sid(ctx))),
    avatar: () => raw(bytes, type),
    expect: { lookup: 'user', sync: 'ok', avatar: 'none' },
  });
  return [
    bomb('zulip', 'png', 'a 16000×16000 PNG', pngClaiming(16000, 16000), 'image/png'),
    bomb('zulip', 'jpeg', 'a 16000×16000 JPEG', jpegClaiming(16000, 16000), 'image/jpeg'),
    bomb(
      'openwebui',
      'gif',
      'a GIF frame of 16000×16000',
      gifClaiming([16, 16], [0, 0, 16000, 16000]),
      'image/gif',
    ),
    bomb(
      'openwebui',
      'webp',
      'a 16000×16000 VP8X WebP',
      webpVp8xClaiming(16000, 16000),
      'image/webp',
    ),
    bomb(
      'openwebui',
      'no-size',
      'a JPEG whose header has no size',
      jpegClaiming(0, 0),
      'image/jpeg',
    ),
    {
      id: 'owui-picture-bomb-inline',
      product: 'openwebui',
      category: 'url',
      title: 'Open WebUI: a 16000×16000 PNG inline as a data: URL (an image bomb, refused)',
      user: (ctx) =>
        owuiUser(sid(ctx), {
          profile_image_url: `data:image/png;base64,${Buffer.from(pngClaiming(16000, 16000)).toString('base64')}`,
        }),
      expect: { lookup: 'user', sync: 'ok', avatar: 'none' },
    },
  ];
}

// ---------------------------------------------------------------------------
// Issue 13, round 2 of trust: server strings as keys, members that cannot be
// read, and lookups answered with another user.

/** Every name Object.prototype answers to, `__proto__` included. */
const PROTOTYPE_NAMES = [
  ...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__']),
];

/** An object with exactly these keys, `__proto__` an own one (as JSON.parse makes it). */
const keyedBy = (value: (name: string) => unknown): Wire =>
  Object.fromEntries(PROTOTYPE_NAMES.map((n) => [n, value(n)])) as Wire;

/** Class 2: server strings named like Object.prototype members, wherever one becomes a key. */
function prototypeKeyCases(): HostileCase[] {
  return [
    {
      id: 'zulip-proto-keys-fields-groups',
      product: 'zulip',
      category: 'types',
      title:
        'Zulip: external-account subtypes, field names, choice keys and group names named constructor, __proto__, toString…',
      fields: () => [
        ...PROTOTYPE_NAMES.map((name, i) => ({
          id: 700 + i,
          name,
          type: 7,
          order: 700 + i,
          field_data: JSON.stringify({ subtype: name }),
        })),
        {
          id: 699,
          name: 'valueOf',
          type: 3,
          order: 699,
          field_data: JSON.stringify(keyedBy((n) => ({ text: n, order: '1' }))),
        },
      ],
      groups: (ctx) =>
        PROTOTYPE_NAMES.map((name, i) => ({
          id: 900 + i,
          name,
          members: [id(ctx)],
          is_system_group: false,
          deactivated: false,
        })),
      user: (ctx) =>
        zulipUser(id(ctx), {
          full_name: 'constructor',
          profile_data: {
            ...Object.fromEntries(PROTOTYPE_NAMES.map((n, i) => [String(700 + i), { value: n }])),
            '699': { value: '__proto__' },
            ...keyedBy((n) => ({ value: n })),
          },
        }),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'owui-proto-keys-groups-info',
      product: 'openwebui',
      category: 'types',
      title:
        'Open WebUI: group ids and names, info and settings keys named constructor, __proto__, valueOf…',
      groups: () => PROTOTYPE_NAMES.map((n) => ({ id: `g-${n}`, name: n })),
      user: (ctx) =>
        owuiUser(sid(ctx), {
          groups: PROTOTYPE_NAMES.map((n) => ({ id: n })),
          group_ids: [...PROTOTYPE_NAMES, ...PROTOTYPE_NAMES.map((n) => `g-${n}`)],
          info: keyedBy((n) => `info ${n}`),
          settings: { ...keyedBy((n) => n), ui: keyedBy(() => true) },
        }),
      expect: { lookup: 'user', sync: 'ok' },
    },
  ];
}

// Issue 13, class 8: errors that used to mislead.
/**
 * The other product answering a lookup (its error shape names it), a
 * redirect to an address carrying user:password, and a rate limit asking
 * for a wait longer than a lookup may take.
 */
function misleadingErrorCases(): HostileCase[] {
  const eachProduct = (
    name: string,
    title: string,
    lookup: (ctx: HostileContext) => FakeAnswer,
    codes: readonly string[],
  ): HostileCase[] =>
    (['zulip', 'openwebui'] as const).map((product) => ({
      id: `${product === 'zulip' ? 'zulip' : 'owui'}-misleading-${name}`,
      product,
      category: 'transport',
      title: `${product === 'zulip' ? 'Zulip' : 'Open WebUI'}: ${title}`,
      lookup,
      expect: { lookup: codes, sync: 'ok' },
    }));
  return [
    {
      id: 'zulip-misleading-openwebui-answers',
      product: 'zulip',
      category: 'error-body',
      title: 'Zulip: Open WebUI answers the lookup (401 {"detail": ...})',
      lookup: () => json({ detail: 'Not authenticated' }, 401),
      expect: { lookup: ['NOT_AN_API'], sync: 'ok' },
    },
    {
      id: 'owui-misleading-zulip-answers',
      product: 'openwebui',
      category: 'error-body',
      title: 'Open WebUI: Zulip answers the lookup (401 {"result":"error",...})',
      lookup: () =>
        json(
          {
            result: 'error',
            msg: 'This endpoint requires HTTP basic authentication.',
            code: 'UNAUTHORIZED',
          },
          401,
        ),
      expect: { lookup: ['NOT_AN_API'], sync: 'ok' },
    },
    ...eachProduct(
      'redirect-credentials',
      'a redirect to an address with user:password in it',
      (ctx) => ({
        kind: 'redirect',
        to: `${ctx.otherOrigin.replace('://', '://admin:hunter2@')}/api/v1/users/1`,
        exact: true,
      }),
      ['BAD_RESPONSE'],
    ),
    ...eachProduct(
      'retry-after-longer-than-a-lookup',
      'HTTP 429 asking a lookup to wait 45 seconds',
      () => json({ msg: 'slow down' }, 429, { 'Retry-After': '45' }),
      ['RATE_LIMITED'],
    ),
  ];
}

/** Class 3: members a normalizer cannot read are skipped and counted; the rest syncs. */
function unreadableMemberCases(): HostileCase[] {
  return [
    {
      id: 'zulip-unreadable-members-in-list',
      product: 'zulip',
      category: 'types',
      title: 'Zulip: the directory holds members with user_id 0, -3, "1000", none, and a string',
      user: (ctx) => zulipUser(id(ctx)),
      listUsers: (ctx) => [
        zulipUser(0),
        zulipUser(-3, { full_name: XSS_VECTORS.script }),
        zulipUser(id(ctx), { user_id: String(id(ctx)) }),
        { full_name: 'No ID at all' },
        XSS_VECTORS.imgOnerror,
        zulipUser(id(ctx)),
      ],
      breaksList: true,
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'owui-unreadable-members-in-list',
      product: 'openwebui',
      category: 'types',
      title: 'Open WebUI: a page holds members with ids shared-…, "a..b", 42, none, and a string',
      user: (ctx) => owuiUser(sid(ctx)),
      list: (ctx, page) =>
        json({
          users:
            page === 1
              ? [
                  owuiUser('shared-3f2c9a7e'),
                  owuiUser('a..b'),
                  owuiUser(sid(ctx), { id: 42 }),
                  { name: 'No id at all' },
                  XSS_VECTORS.svgOnload,
                  owuiUser(sid(ctx)),
                ]
              : [],
          total: 6,
        }),
      expect: { lookup: 'user', sync: 'ok' },
    },
    {
      id: 'zulip-unreadable-key-owner',
      product: 'zulip',
      category: 'types',
      title: 'Zulip: the connection test names a key owner with user_id 0',
      me: () =>
        json({ result: 'success', msg: '', ...zulipUser(0, { role: 100, is_owner: true }) }),
      user: (ctx) => zulipUser(id(ctx)),
      expect: { lookup: 'user', sync: 'ok', test: ['BAD_RESPONSE'] },
    },
    {
      id: 'owui-unreadable-key-owner',
      product: 'openwebui',
      category: 'types',
      title: 'Open WebUI: the connection test names a key owner with id shared-…',
      me: () => json({ id: 'shared-owner', role: 'admin', name: 'Ada', email: 'ada@owui.example' }),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: 'user', sync: 'ok', test: ['BAD_RESPONSE'] },
    },
  ];
}

/** Class 4: a lookup answered with another user than the one asked for. */
function wrongUserCases(): HostileCase[] {
  return [
    {
      id: 'zulip-answers-unknown-other-user',
      product: 'zulip',
      category: 'duplicates',
      title: 'Zulip: a lookup answered with a user the directory does not list',
      lookup: (ctx) =>
        json({ result: 'success', msg: '', user: zulipUser(id(ctx) + 1, { full_name: 'Other' }) }),
      user: (ctx) => zulipUser(id(ctx)),
      expect: { lookup: ['BAD_RESPONSE'], sync: 'ok' },
    },
    {
      id: 'owui-answers-other-user',
      product: 'openwebui',
      category: 'duplicates',
      title: "Open WebUI: a lookup answered with another user's id",
      lookup: () => json(owuiUser('user-2', { name: `Impostor ${XSS_VECTORS.imgOnerror}` })),
      user: (ctx) => owuiUser(sid(ctx)),
      expect: { lookup: ['BAD_RESPONSE'], sync: 'ok' },
    },
  ];
}

/** Every hostile case, Zulip's and Open WebUI's. */
export const HOSTILE_CASES: readonly HostileCase[] = [
  ...htmlCases(),
  ...errorBodyCases(),
  ...urlCases(),
  ...textCases(),
  ...typeCases(),
  ...nestingAndDuplicateCases(),
  ...transportCases(),
  ...unboundedTextCases(),
  // Issue 13, class 8.
  ...misleadingErrorCases(),
  // Issue 13, classes 6 and 7.
  ...pictureKeyCases(),
  ...imageBombCases(),
  // Issue 13 (trust, round 2): classes 2, 3 and 4.
  ...prototypeKeyCases(),
  ...unreadableMemberCases(),
  ...wrongUserCases(),
];
