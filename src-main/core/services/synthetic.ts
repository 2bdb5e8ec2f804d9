/**
 * Seeded, realistic directories in the exact wire shapes Zulip and Open WebUI
 * send. The fake servers serve them, the app's offline demo shows them and
 * the benchmarks sync them, so all three meet the same data: names in many
 * scripts, every role, bots of every type with owners, deactivated users,
 * all eight Zulip custom field types, groups, presence, statuses and every
 * kind of avatar URL. Deterministic for a seed (mulberry32, no Math.random)
 * and fast enough for 100 000 users.
 *
 * Node only; never imports `electron`.
 */
import { createHash } from 'node:crypto';

/** The instant the generated directories are "now" unless told otherwise (2026-11-23T00:00Z). */
export const REFERENCE_NOW_MS = 1_795_392_000_000;

/** A JSON-ish record as the servers send it. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** One Zulip user as `GET /users?client_gravatar=true&include_custom_profile_fields=true` sends it. */
export interface ZulipWireUser {
  email: string;
  user_id: number;
  avatar_version: number;
  is_admin: boolean;
  is_owner: boolean;
  is_guest: boolean;
  is_billing_admin: boolean;
  role: 100 | 200 | 300 | 400 | 600;
  is_bot: boolean;
  full_name: string;
  timezone: string;
  is_active: boolean;
  date_joined: string;
  delivery_email: string | null;
  avatar_url: string | null;
  bot_type?: number | null;
  bot_owner_id?: number | null;
  profile_data?: Record<string, { value: string; rendered_value?: string }>;
}

/** One custom profile field as `GET /realm/profile_fields` sends it. */
interface ZulipWireProfileField {
  id: number;
  name: string;
  type: number;
  hint: string;
  field_data: string;
  order: number;
  display_in_profile_summary?: boolean;
  required: boolean;
  editable_by_user: boolean;
}

/** A group-setting value: a group ID or an anonymous group. */
type ZulipGroupSetting = number | { direct_members: number[]; direct_subgroups: number[] };

/** One user group as `GET /user_groups` sends it. */
interface ZulipWireUserGroup {
  description: string;
  id: number;
  creator_id: number | null;
  date_created: number | null;
  name: string;
  members: number[];
  direct_subgroup_ids: number[];
  is_system_group: boolean;
  can_add_members_group: ZulipGroupSetting;
  can_join_group: ZulipGroupSetting;
  can_leave_group: ZulipGroupSetting;
  can_manage_group: ZulipGroupSetting;
  can_mention_group: ZulipGroupSetting;
  can_remove_members_group: ZulipGroupSetting;
  deactivated: boolean;
}

/** One client's presence in Zulip's legacy format. */
interface ZulipWirePresenceEntry {
  client: string;
  status: 'active' | 'idle';
  timestamp: number;
  pushable?: boolean;
}

/** A user's presence as `GET /realm/presence` keys it (by API email). */
interface ZulipWirePresence {
  website: ZulipWirePresenceEntry;
  aggregated: ZulipWirePresenceEntry;
}

/** Everything a fake Zulip realm serves. */
export interface ZulipDirectory {
  realmHost: string;
  nowMs: number;
  members: ZulipWireUser[];
  profileFields: ZulipWireProfileField[];
  userGroups: ZulipWireUserGroup[];
  /** Keyed by API email, as `/realm/presence` does. */
  presences: Record<string, ZulipWirePresence>;
}

/** One Open WebUI user as `GET /api/v1/users/{id}` sends it to an admin. */
export interface OpenWebUIWireUser {
  status_emoji: string | null;
  status_message: string | null;
  status_expires_at: number | null;
  name: string;
  profile_image_url: string;
  groups: { id: string; name: string }[];
  is_active: boolean;
  id: string;
  email: string;
  username: string | null;
  role: 'admin' | 'user' | 'pending';
  profile_banner_image_url: string | null;
  bio: string | null;
  gender: string | null;
  date_of_birth: string | null;
  timezone: string | null;
  presence_state: string | null;
  info: { [key: string]: Json } | null;
  settings: { [key: string]: Json } | null;
  oauth: { [key: string]: Json } | null;
  scim: { [key: string]: Json } | null;
  last_active_at: number;
  updated_at: number;
  created_at: number;
}

/** One group as `GET /api/v1/groups/` sends it to an admin. */
interface OpenWebUIWireGroup {
  id: string;
  user_id: string;
  name: string;
  description: string;
  data: { [key: string]: Json } | null;
  meta: { [key: string]: Json } | null;
  permissions: { [key: string]: Json } | null;
  created_at: number;
  updated_at: number;
  member_count: number;
}

/** Everything a fake Open WebUI serves. */
export interface OpenWebUIDirectory {
  nowMs: number;
  users: OpenWebUIWireUser[];
  groups: OpenWebUIWireGroup[];
}

/** Options of both generators. */
export interface GenerateOptions {
  seed: number;
  count: number;
  /** "Now" for presence, statuses and join dates; defaults to REFERENCE_NOW_MS. */
  nowMs?: number;
}

// ---------------------------------------------------------------------------
// Randomness

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += HEX[Math.floor(this.next() * 16)];
    return out;
  }
  uuid(): string {
    const h = this.hex(32).split('');
    h[12] = '4';
    h[16] = HEX[8 + Math.floor(this.next() * 4)] as string;
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
  /** Seconds ago, mostly recent, with a long tail (exponential with the given mean). */
  recentSeconds(meanSeconds: number): number {
    return Math.floor(-Math.log(1 - this.next()) * meanSeconds);
  }
}

const HEX = '0123456789abcdef';

// ---------------------------------------------------------------------------
// People

interface Culture {
  /** Given names: [native, ASCII handle for the email]. */
  first: readonly (readonly [string, string])[];
  last: readonly (readonly [string, string])[];
  /** Family name first, and whether a space separates the parts. */
  familyFirst: boolean;
  space: boolean;
  timezones: readonly string[];
  weight: number;
  bios: readonly string[];
}

/** Builds a culture from the compact tables below. */
function culture(
  first: string,
  last: string,
  meta: { familyFirst: boolean; space: boolean; weight: number; timezones: string },
  bios: string[],
): Culture {
  const pairs = (text: string): [string, string][] =>
    text.split(' ').map((pair) => {
      const [native = '', latin = ''] = pair.split(':');
      return [native, asciiHandle(latin)];
    });
  return {
    first: pairs(first),
    last: pairs(last),
    familyFirst: meta.familyFirst,
    space: meta.space,
    weight: meta.weight,
    timezones: meta.timezones.split(' '),
    bios,
  };
}

/** Name pools, `native:latin` pairs separated by spaces; the Latin form makes the email. */
// prettier-ignore
const CULTURES: readonly Culture[] = [
  culture('Zoë:Zoe Jürgen:Juergen Lukas:Lukas Anna:Anna Björn:Bjoern Käthe:Kaethe Jörg:Joerg Sophie:Sophie Günter:Guenter Lena:Lena Matthias:Matthias Greta:Greta',
    'Müller:Mueller Schröder:Schroeder Weiß:Weiss Groß:Gross Becker:Becker Hoffmann:Hoffmann Schäfer:Schaefer Köhler:Koehler Krüger:Krueger Fischer:Fischer',
    { familyFirst: false, space: true, weight: 14, timezones: 'Europe/Berlin Europe/Vienna Europe/Zurich' },
    ['Arbeitet an der **Suche** und am *Index*.', 'Zuständig für Releases.', 'Fragt mich nach Kubernetes.']),
  culture('Élodie:Elodie Benoît:Benoit Chloé:Chloe François:Francois Amélie:Amelie Théo:Theo Hélène:Helene Jérôme:Jerome Maëlle:Maelle Noël:Noel',
    'Lefèvre:Lefevre Dubois:Dubois Moreau:Moreau Girard:Girard Rousseau:Rousseau Bérénger:Berenger Fontaine:Fontaine Leroy:Leroy Mercier:Mercier Gauthier:Gauthier',
    { familyFirst: false, space: true, weight: 10, timezones: 'Europe/Paris Europe/Brussels America/Montreal' },
    ['Je travaille sur l’**accessibilité**.', 'Responsable du support niveau 2.', 'Café, vélo et *Rust*.']),
  culture('José:Jose María:Maria Iñaki:Inaki Lucía:Lucia João:Joao Inês:Ines Sebastián:Sebastian Ana:Ana Martín:Martin Conceição:Conceicao',
    'García:Garcia Núñez:Nunez Peña:Pena Fernández:Fernandez Gonçalves:Goncalves Muñoz:Munoz Pérez:Perez Rodríguez:Rodriguez Araújo:Araujo Ibáñez:Ibanez',
    { familyFirst: false, space: true, weight: 12, timezones: 'Europe/Madrid America/Mexico_City America/Sao_Paulo America/Buenos_Aires Europe/Lisbon' },
    ['Trabajo en **facturación**.', 'Diseño de producto y *research*.', 'Pergunte-me sobre dados.']),
  culture('Łukasz:Lukasz Zofia:Zofia Wojciech:Wojciech Małgorzata:Malgorzata Jiří:Jiri Tereza:Tereza Paweł:Pawel Agnieszka:Agnieszka',
    'Wiśniewski:Wisniewski Kowalczyk:Kowalczyk Dvořák:Dvorak Nowak:Nowak Wójcik:Wojcik Černý:Cerny Zieliński:Zielinski Krawczyk:Krawczyk',
    { familyFirst: false, space: true, weight: 6, timezones: 'Europe/Warsaw Europe/Prague' },
    ['Backend i *bazy danych*.', 'Testy end-to-end.']),
  culture('Søren:Soren Åsa:Asa Ingrid:Ingrid Mikael:Mikael Ayşe:Ayse Çağla:Cagla Oğuz:Oguz Şebnem:Sebnem',
    'Østergaard:Ostergaard Lindqvist:Lindqvist Hansen:Hansen Yılmaz:Yilmaz Öztürk:Ozturk Çelik:Celik Şahin:Sahin Ångström:Angstrom',
    { familyFirst: false, space: true, weight: 6, timezones: 'Europe/Copenhagen Europe/Stockholm Europe/Istanbul Europe/Oslo' },
    ['Platform team.', 'Güvenlik ve *altyapı*.']),
  culture('Anh:Anh Thảo:Thao Dũng:Dung Hương:Huong Minh:Minh Phương:Phuong',
    'Nguyễn:Nguyen Trần:Tran Lê:Le Phạm:Pham Hoàng:Hoang Võ:Vo',
    { familyFirst: true, space: true, weight: 4, timezones: 'Asia/Ho_Chi_Minh' },
    ['Kỹ sư *dữ liệu*.']),
  culture('Алексей:Aleksei Мария:Maria Дмитрий:Dmitry Ольга:Olga Сергей:Sergei Анастасия:Anastasia Іван:Ivan Оксана:Oksana',
    'Иванов:Ivanov Смирнова:Smirnova Кузнецов:Kuznetsov Попова:Popova Шевченко:Shevchenko Соколов:Sokolov Морозова:Morozova Коваленко:Kovalenko',
    { familyFirst: false, space: true, weight: 8, timezones: 'Europe/Moscow Europe/Kyiv Asia/Almaty' },
    ['Работаю над **поиском**.', 'Інфраструктура та *моніторинг*.']),
  culture('Γιώργος:Giorgos Ελένη:Eleni Δημήτρης:Dimitris Μαρία:Maria Νίκος:Nikos Κατερίνα:Katerina',
    'Παπαδόπουλος:Papadopoulos Οικονόμου:Oikonomou Γεωργίου:Georgiou Νικολάου:Nikolaou Καραγιάννη:Karagianni',
    { familyFirst: false, space: true, weight: 4, timezones: 'Europe/Athens' },
    ['Ομάδα *υποστήριξης*.']),
  culture('伟:Wei 芳:Fang 静:Jing 磊:Lei 秀英:Xiuying 俊杰:Junjie',
    '王:Wang 李:Li 张:Zhang 刘:Liu 陈:Chen 杨:Yang',
    { familyFirst: true, space: false, weight: 9, timezones: 'Asia/Shanghai Asia/Taipei Asia/Hong_Kong Asia/Singapore' },
    ['负责**搜索**和索引。', '前端开发。']),
  culture('陽翔:Haruto 結衣:Yui 蓮:Ren さくら:Sakura 大輝:Daiki 美咲:Misaki',
    '佐藤:Sato 鈴木:Suzuki 高橋:Takahashi 田中:Tanaka 渡辺:Watanabe 伊藤:Ito',
    { familyFirst: true, space: false, weight: 6, timezones: 'Asia/Tokyo' },
    ['インフラ担当です。', '*デザイン*とリサーチ。']),
  culture('민준:Minjun 서연:Seoyeon 지훈:Jihoon 하은:Haeun 도윤:Doyun',
    '김:Kim 이:Lee 박:Park 최:Choi 정:Jung',
    { familyFirst: true, space: false, weight: 4, timezones: 'Asia/Seoul' },
    ['백엔드 *개발자*입니다.']),
  culture('محمد:Mohammed فاطمة:Fatima أحمد:Ahmed ليلى:Layla يوسف:Youssef نور:Nour',
    'العلي:Alali حداد:Haddad الخطيب:Alkhatib منصور:Mansour سعيد:Saeed',
    { familyFirst: false, space: true, weight: 6, timezones: 'Asia/Dubai Africa/Cairo Asia/Riyadh Asia/Amman' },
    ['أعمل على **البحث**.', 'فريق الدعم.']),
  culture('דוד:David נועה:Noa יוסי:Yossi מיכל:Michal',
    'כהן:Cohen לוי:Levi מזרחי:Mizrahi פרץ:Peretz',
    { familyFirst: false, space: true, weight: 2, timezones: 'Asia/Jerusalem' },
    ['צוות *תשתיות*.']),
  culture('आरव:Aarav प्रिया:Priya अर्जुन:Arjun अनन्या:Ananya',
    'शर्मा:Sharma वर्मा:Verma गुप्ता:Gupta सिंह:Singh',
    { familyFirst: false, space: true, weight: 5, timezones: 'Asia/Kolkata Asia/Kathmandu' },
    ['मोबाइल ऐप पर काम करता हूँ।', 'Data platform and **ML ops**.']),
  culture('Alex:Alex Sam:Sam Jordan:Jordan Taylor:Taylor Morgan:Morgan Chris:Chris Robin:Robin Jamie:Jamie Chiamaka:Chiamaka Kwame:Kwame',
    'Smith:Smith Johnson:Johnson O\'Brien:OBrien Williams:Williams Brown:Brown Nakamura-Jones:NakamuraJones Okafor:Okafor Adeyemi:Adeyemi Mensah:Mensah MacLeod:MacLeod',
    { familyFirst: false, space: true, weight: 18, timezones: 'America/New_York America/Los_Angeles America/Chicago Europe/London Africa/Lagos Australia/Sydney Pacific/Auckland America/St_Johns' },
    ['Works on **search** and *indexing*. See [the wiki](https://wiki.example.com/search).', 'Support lead, EMEA.', 'Ask me about the deploy pipeline.', 'Part-time; mornings only.']),
];

const CULTURE_WEIGHT_TOTAL = CULTURES.reduce((sum, c) => sum + c.weight, 0);
const ALL_TIMEZONES = [...new Set(CULTURES.flatMap((c) => c.timezones)), 'UTC', 'Pacific/Chatham'];

interface Person {
  name: string;
  /** ASCII local part for the email address. */
  handle: string;
  culture: Culture;
}

function pickCulture(rng: Rng): Culture {
  let r = rng.float() * CULTURE_WEIGHT_TOTAL;
  for (const c of CULTURES) {
    r -= c.weight;
    if (r < 0) return c;
  }
  return CULTURES[CULTURES.length - 1] as Culture;
}

function makePerson(rng: Rng): Person {
  const culture = pickCulture(rng);
  const [firstNative, firstLatin] = rng.pick(culture.first);
  const [lastNative, lastLatin] = rng.pick(culture.last);
  const sep = culture.space ? ' ' : '';
  const name = culture.familyFirst
    ? `${lastNative}${sep}${firstNative}`
    : `${firstNative}${sep}${lastNative}`;
  return { name, handle: `${firstLatin}.${lastLatin}`, culture };
}

/** The first user of every generated directory, so a search for "müll" always has an answer. */
function zoe(): Person {
  return { name: 'Zoë Müller', handle: 'zoe.muller', culture: CULTURES[0] as Culture };
}

function asciiHandle(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9.]/g, '');
}

const DOMAINS = [
  'example.com',
  'example.com',
  'example.com',
  'example.org',
  'corp.example.net',
  'contractors.example.io',
];

/** Hands out unique email addresses, numbering repeats (anna.becker2@...). */
class EmailBook {
  private readonly used = new Map<string, number>();
  take(handle: string, domain: string): string {
    const key = `${handle}@${domain}`;
    const n = this.used.get(key) ?? 0;
    this.used.set(key, n + 1);
    return n === 0 ? key : `${handle}${n + 1}@${domain}`;
  }
}

function pickTimezone(rng: Rng, person: Person): string {
  return rng.chance(0.85) ? rng.pick(person.culture.timezones) : rng.pick(ALL_TIMEZONES);
}

/** Python's `datetime.isoformat()` for UTC with microseconds, as Zulip sends `date_joined`. */
function pythonIso(ms: number, rng: Rng): string {
  const iso = new Date(ms).toISOString(); // 2019-10-20T07:50:53.728Z
  return `${iso.slice(0, 23)}${rng.int(0, 999).toString().padStart(3, '0')}+00:00`;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function md5Hex(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** Minimal markdown for the bios above: **bold**, *em*, [text](url), and escaping. */
function renderMarkdown(text: string): string {
  const escaped = text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
  const html = escaped
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\*([^*]+)\*/g, '<em>$1</em>')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '<a href="$2">$1</a>');
  return `<p>${html}</p>`;
}

// ---------------------------------------------------------------------------
// Pictures

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

function pngChunk(type: string, data: Uint8Array): number[] {
  const typed = new Uint8Array(4 + data.length);
  for (let i = 0; i < 4; i++) typed[i] = type.charCodeAt(i);
  typed.set(data, 4);
  return [...u32(data.length), ...typed, ...u32(crc32(typed))];
}

/**
 * A valid PNG of `size`×`size` pixels: a solid colour with a lighter
 * diagonal band, so generated avatars differ visibly. Written with stored
 * (uncompressed) deflate blocks, so no zlib is needed.
 */
export function syntheticPng(rgb: readonly [number, number, number], size = 8): Uint8Array {
  const raw: number[] = [];
  for (let y = 0; y < size; y++) {
    raw.push(0);
    for (let x = 0; x < size; x++) {
      const band = Math.abs(x - y) <= Math.max(0, Math.floor(size / 8));
      for (const c of rgb) raw.push(band ? Math.min(255, c + 60) : c);
    }
  }
  const zlib: number[] = [0x78, 0x01];
  for (let offset = 0; offset < raw.length || offset === 0; offset += 65535) {
    const block = raw.slice(offset, offset + 65535);
    const final = offset + 65535 >= raw.length ? 1 : 0;
    zlib.push(
      final,
      block.length & 0xff,
      block.length >>> 8,
      ~block.length & 0xff,
      (~block.length >>> 8) & 0xff,
      ...block,
    );
    if (final) break;
  }
  let a = 1;
  let b = 0;
  for (const byte of raw) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  zlib.push(...u32(((b << 16) | a) >>> 0));
  const ihdr = new Uint8Array([...u32(size), ...u32(size), 8, 2, 0, 0, 0]);
  return new Uint8Array([
    0x89,
    0x50,
    0x4e,
    0x47,
    0x0d,
    0x0a,
    0x1a,
    0x0a,
    ...pngChunk('IHDR', ihdr),
    ...pngChunk('IDAT', new Uint8Array(zlib)),
    ...pngChunk('IEND', new Uint8Array()),
  ]);
}

/** Avatar colours, pleasant on light and dark backgrounds. */
export const AVATAR_COLOURS: readonly (readonly [number, number, number])[] = [
  [0x4f, 0x46, 0xe5],
  [0x05, 0x96, 0x69],
  [0xdc, 0x26, 0x26],
  [0xd9, 0x77, 0x06],
  [0x7c, 0x3a, 0xed],
  [0x08, 0x91, 0xb2],
  [0xdb, 0x27, 0x77],
  [0x65, 0xa3, 0x0d],
  [0x47, 0x55, 0x69],
  [0xc2, 0x41, 0x0c],
  [0x1d, 0x4e, 0xd8],
  [0x0f, 0x76, 0x6e],
];

/** A colour index for any text, stable across runs (for the fakes' image routes). */
export function colourIndexOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) % AVATAR_COLOURS.length;
}

let dataUrls: string[] | null = null;
function inlineAvatar(rng: Rng): string {
  dataUrls ??= AVATAR_COLOURS.map(
    (rgb) => `data:image/png;base64,${Buffer.from(syntheticPng(rgb, 8)).toString('base64')}`,
  );
  return rng.pick(dataUrls);
}

// ---------------------------------------------------------------------------
// Zulip

const ZULIP_REALM_HOST = 'zulip.example.com';

const ZULIP_TEAMS = [
  'Engineering',
  'Design',
  'Support',
  'Sales',
  'Marketing',
  'Finance',
  'People Ops',
  'Research',
  'Legal',
];
const PRONOUNS = [
  'she/her',
  'he/him',
  'they/them',
  'she/they',
  'he/they',
  'elle',
  'er/ihm',
  'ze/hir',
];

/** The eight custom profile fields, one of each type. */
function zulipProfileFields(): ZulipWireProfileField[] {
  const choices: Record<string, { text: string; order: string }> = {};
  ZULIP_TEAMS.forEach((text, i) => (choices[String(i)] = { text, order: String(i + 1) }));
  return [
    {
      id: 1,
      name: 'Phone number',
      type: 1,
      hint: 'Including the country code',
      field_data: '',
      order: 1,
      required: false,
      editable_by_user: true,
    },
    {
      id: 2,
      name: 'Biography',
      type: 2,
      hint: 'What are you known for?',
      field_data: '',
      order: 2,
      required: false,
      editable_by_user: true,
    },
    {
      id: 3,
      name: 'Team',
      type: 3,
      hint: '',
      field_data: JSON.stringify(choices),
      order: 3,
      display_in_profile_summary: true,
      required: true,
      editable_by_user: false,
    },
    {
      id: 4,
      name: 'Start date',
      type: 4,
      hint: '',
      field_data: '',
      order: 4,
      required: false,
      editable_by_user: false,
    },
    {
      id: 5,
      name: 'Website',
      type: 5,
      hint: 'Or your blog',
      field_data: '',
      order: 5,
      required: false,
      editable_by_user: true,
    },
    {
      id: 6,
      name: 'Manager',
      type: 6,
      hint: '',
      field_data: '',
      order: 6,
      required: false,
      editable_by_user: false,
    },
    {
      id: 7,
      name: 'GitHub',
      type: 7,
      hint: 'Your GitHub username',
      field_data: '{"subtype":"github"}',
      order: 7,
      required: false,
      editable_by_user: true,
    },
    {
      id: 8,
      name: 'Pronouns',
      type: 8,
      hint: 'What pronouns should people use to refer to you?',
      field_data: '',
      order: 8,
      display_in_profile_summary: true,
      required: false,
      editable_by_user: true,
    },
  ];
}

const BOT_NAMES = [
  'Deploy Bot',
  'GitHub',
  'Jira Notifier',
  'Standup Reminder',
  'Welcome Bot',
  'Translate',
  'Calendar Sync',
  'Incident Pager',
  'Weather',
  'Build Status',
  'Giphy',
  'Feedback Collector',
];

/** Roles of the first humans, so even a tiny directory has every role. */
const FIRST_ROLES = [100, 200, 300, 600, 400] as const;

function botCountFor(count: number): number {
  return count >= 6 ? Math.max(4, Math.round(count * 0.03)) : 0;
}

/**
 * A Zulip organization: members as `GET /users` sends them (with
 * `client_gravatar` and custom profile fields), the field definitions, user
 * groups (system `role:*` groups included) and presence keyed by API email.
 */
export function generateZulipDirectory(options: GenerateOptions): ZulipDirectory {
  const rng = new Rng(options.seed ^ 0x5a17);
  const count = Math.max(0, Math.floor(options.count));
  const nowMs = options.nowMs ?? REFERENCE_NOW_MS;
  const nowS = Math.floor(nowMs / 1000);
  const emails = new EmailBook();
  const fields = zulipProfileFields();
  const members: ZulipWireUser[] = [];
  const humans: ZulipWireUser[] = [];
  const managers: number[] = [];
  const botOwners: number[] = [];
  const sixYears = 6 * 365 * 86_400_000;

  // Decide which slots are bots, so bots interleave with humans by ID.
  const bots = botCountFor(count);
  const botSlots = new Set<number>();
  while (botSlots.size < bots) botSlots.add(rng.int(1, count - 1));
  let botIndex = 0;

  for (let i = 0; i < count; i++) {
    const userId = 8 + i;
    const joinedMs =
      nowMs -
      sixYears +
      Math.floor((i / Math.max(1, count)) * sixYears * 0.98) +
      rng.int(0, 3_600_000);
    if (botSlots.has(i)) {
      const type = botIndex < 4 ? botIndex + 1 : rng.pick([1, 1, 2, 2, 2, 3, 4]);
      const baseName = BOT_NAMES[botIndex % BOT_NAMES.length] as string;
      const name =
        botIndex < BOT_NAMES.length
          ? baseName
          : `${baseName} ${Math.floor(botIndex / BOT_NAMES.length) + 1}`;
      const email = emails.take(`${asciiHandle(name).replace(/\./g, '')}-bot`, ZULIP_REALM_HOST);
      // One legacy bot has no owner, as Zulip allows.
      const owner = botIndex === 5 || botOwners.length === 0 ? null : rng.pick(botOwners);
      const uploaded = rng.chance(0.6);
      const avatarVersion = uploaded ? rng.int(2, 4) : 1;
      members.push({
        email,
        user_id: userId,
        avatar_version: avatarVersion,
        is_admin: false,
        is_owner: false,
        is_guest: false,
        is_billing_admin: false,
        role: 400,
        is_bot: true,
        full_name: name,
        timezone: '',
        is_active: botIndex !== 3,
        date_joined: pythonIso(joinedMs, rng),
        delivery_email: email,
        avatar_url: uploaded ? `/user_avatars/2/${rng.hex(40)}.png?version=${avatarVersion}` : null,
        bot_type: type,
        bot_owner_id: owner,
      });
      botIndex++;
      continue;
    }

    const person = humans.length === 0 ? zoe() : makePerson(rng);
    const h = humans.length;
    let role: ZulipWireUser['role'];
    if (h < FIRST_ROLES.length) role = FIRST_ROLES[h] as ZulipWireUser['role'];
    else {
      const r = rng.float();
      role = r < 0.003 ? 100 : r < 0.023 ? 200 : r < 0.053 ? 300 : r < 0.133 ? 600 : 400;
    }
    const guest = role === 600;
    const domain = guest ? 'contractors.example.io' : h === 0 ? 'example.com' : rng.pick(DOMAINS);
    const realEmail = emails.take(person.handle, domain);
    // Email visibility: most show the real address; some hide it behind a
    // dummy API email; a few hide it even from admins.
    const visibility = h === 0 ? 0 : rng.float();
    const email = visibility < 0.6 ? realEmail : `user${userId}@${ZULIP_REALM_HOST}`;
    const deliveryEmail = visibility < 0.95 ? realEmail : null;
    const active = h < FIRST_ROLES.length ? true : !rng.chance(0.05);

    // Pictures: gravatar (null, computed by the client), uploaded to the
    // server (relative), or on an external store; the first three users
    // have one of each.
    const r = rng.float();
    const avatarKind = h < 3 ? h : r < 0.5 ? 0 : r < 0.85 ? 1 : 2;
    const uploadedVersion = rng.int(2, 6);
    let avatarUrl: string | null = null;
    let avatarVersion = 1;
    if (avatarKind === 1) {
      avatarVersion = uploadedVersion;
      avatarUrl = `/user_avatars/2/${rng.hex(40)}.png?version=${avatarVersion}`;
    } else if (avatarKind === 2) {
      avatarVersion = uploadedVersion;
      avatarUrl = `https://zulip-avatars.example-cdn.net/2/${rng.hex(40)}.png?version=${avatarVersion}`;
    } else if (deliveryEmail === null) {
      // The client cannot compute a gravatar without the real address, so
      // the server sends the full URL.
      avatarUrl = `https://secure.gravatar.com/avatar/${md5Hex(realEmail.toLowerCase())}?d=identicon&version=1`;
    }

    const profile: Record<string, { value: string; rendered_value?: string }> = {};
    if (rng.chance(guest ? 0.3 : 0.6)) {
      const phone = `+${rng.int(1, 99)} ${rng.int(10, 999)} ${rng.int(100000, 9999999)}`;
      profile['1'] = { value: phone, rendered_value: `<p>${phone}</p>` };
    }
    if (rng.chance(guest ? 0.2 : 0.5)) {
      const bio = rng.pick(person.culture.bios);
      profile['2'] = { value: bio, rendered_value: renderMarkdown(bio) };
    }
    if (rng.chance(0.9)) profile['3'] = { value: String(rng.int(0, ZULIP_TEAMS.length - 1)) };
    if (rng.chance(0.85)) profile['4'] = { value: isoDate(joinedMs + rng.int(0, 30) * 86_400_000) };
    if (rng.chance(0.4))
      profile['5'] = { value: `https://${person.handle.replace(/\./g, '-')}.example.net/` };
    if (managers.length > 0 && rng.chance(guest ? 0.2 : 0.7)) {
      profile['6'] = { value: `[${rng.pick(managers)}]` };
    }
    if (rng.chance(0.45)) profile['7'] = { value: person.handle.replace(/\./g, '-') };
    if (rng.chance(0.6)) profile['8'] = { value: rng.pick(PRONOUNS) };

    // Keys in the order Zulip sends them.
    const user: ZulipWireUser = {
      email,
      user_id: userId,
      avatar_version: avatarVersion,
      is_admin: role <= 200,
      is_owner: role === 100,
      is_guest: guest,
      is_billing_admin: h === 0,
      role,
      is_bot: false,
      full_name: person.name,
      timezone: rng.chance(0.1) ? '' : pickTimezone(rng, person),
      is_active: active,
      date_joined: pythonIso(joinedMs, rng),
      delivery_email: deliveryEmail,
      avatar_url: avatarUrl,
      profile_data: profile,
    };
    members.push(user);
    humans.push(user);
    if (active && !guest) botOwners.push(userId);
    if (active && role <= 300) managers.push(userId);
  }

  // User groups: the system groups, then named groups of active humans.
  const byRole = (r: number): number[] =>
    members.filter((m) => m.is_active && m.role === r).map((m) => m.user_id);
  const ownerId = humans[0]?.user_id ?? null;
  const system: [string, string, number[], number[]][] = [
    ['role:nobody', 'Nobody', [], []],
    ['role:owners', 'Owners of this organization', byRole(100), []],
    [
      'role:administrators',
      'Administrators of this organization, including owners',
      byRole(200),
      [2],
    ],
    [
      'role:moderators',
      'Moderators of this organization, including administrators',
      byRole(300),
      [3],
    ],
    [
      'role:fullmembers',
      'Members of this organization, not including new accounts and guests',
      byRole(400),
      [4],
    ],
    ['role:members', 'Members of this organization, not including guests', byRole(400), [4]],
    ['role:everyone', 'Everyone in this organization, including guests', byRole(600), [6]],
    ['role:internet', 'Everyone on the Internet', [], [7]],
  ];
  const userGroups: ZulipWireUserGroup[] = system.map(
    ([name, description, groupMembers, subgroups], i) => ({
      description,
      id: i + 1,
      creator_id: null,
      date_created: null,
      name,
      members: groupMembers,
      direct_subgroup_ids: subgroups,
      is_system_group: true,
      can_add_members_group: 1,
      can_join_group: 1,
      can_leave_group: 1,
      can_manage_group: 1,
      can_mention_group: i === 7 ? 1 : 7,
      can_remove_members_group: 1,
      deactivated: false,
    }),
  );
  const named = [
    ['Engineering', 'Everyone who ships code'],
    ['Design', 'Product and visual design'],
    ['Support', 'Customer support, all regions'],
    ['Sales', 'Sales and partnerships'],
    ['Leadership', 'Leads of every team'],
    ['On-call', 'This week’s pager rotation'],
    ['Berlin office', 'Folks at the Berlin office'],
    ['Équipe Paris', 'L’équipe de Paris'],
    ['東京チーム', '東京オフィス'],
    ['Команда Москва', 'Московский офис'],
    ['Security champions', 'One per team'],
    ['Newcomers', 'Joined in the last 90 days'],
  ] as const;
  const groupCount = count === 0 ? 0 : Math.min(named.length, Math.max(3, Math.ceil(count / 20)));
  const namedMembers: number[][] = Array.from({ length: groupCount }, () => []);
  for (const hUser of humans) {
    if (!hUser.is_active || groupCount === 0) continue;
    const n = rng.pick([0, 1, 1, 1, 2, 2, 3]);
    const chosen = new Set<number>();
    for (let k = 0; k < n; k++) chosen.add(rng.int(0, groupCount - 1));
    for (const g of chosen) namedMembers[g]!.push(hUser.user_id);
  }
  for (let g = 0; g < groupCount; g++) {
    const [name, description] = named[g]!;
    userGroups.push({
      description,
      id: 9 + g,
      creator_id: ownerId,
      date_created: g % 4 === 0 ? null : Math.floor(nowMs / 1000) - rng.int(86_400, 900 * 86_400),
      name,
      members: namedMembers[g]!,
      direct_subgroup_ids: [],
      is_system_group: false,
      can_add_members_group:
        g === 0 && ownerId !== null ? { direct_members: [ownerId], direct_subgroups: [3] } : 3,
      can_join_group: 6,
      can_leave_group: 7,
      can_manage_group: 3,
      can_mention_group: 7,
      can_remove_members_group: 3,
      deactivated: false,
    });
  }

  // Presence, keyed by API email, for most active humans.
  const presences: Record<string, ZulipWirePresence> = {};
  for (const hUser of humans) {
    if (!hUser.is_active || !rng.chance(0.75)) continue;
    const ago = rng.chance(0.15) ? rng.int(0, 120) : rng.recentSeconds(3 * 86_400);
    const timestamp = nowS - ago;
    const status: 'active' | 'idle' = rng.chance(ago < 140 ? 0.7 : 0.55) ? 'active' : 'idle';
    presences[hUser.email] = {
      website: { client: 'website', status, timestamp, pushable: false },
      aggregated: { client: 'website', status, timestamp },
    };
  }
  return {
    realmHost: ZULIP_REALM_HOST,
    nowMs,
    members,
    profileFields: fields,
    userGroups,
    presences,
  };
}

// ---------------------------------------------------------------------------
// Open WebUI

const OWUI_GROUPS = [
  ['Engineering', 'Platform and backend engineers'],
  ['API Users', ''],
  ['Research', 'Model evaluation and prompts'],
  ['Support', 'First-line support'],
  ['Data Science', 'Notebooks and pipelines'],
  ['Marketing', 'Copy and campaigns'],
  ['Administración', 'Finanzas y administración'],
  ['Beta testers', 'Early access to new models'],
] as const;

/** Group permissions as an admin would set them: the API group may use keys. */
function permissionsOf(groupIndex: number): { [key: string]: Json } {
  return groupIndex === 1
    ? { features: { api_keys: true } }
    : {
        workspace: { models: true, knowledge: groupIndex % 2 === 0 },
        features: { web_search: true },
      };
}

const MODELS = [
  'gpt-4o',
  'llama3.1:8b',
  'qwen2.5:14b',
  'mistral-small',
  'gemma2:9b',
  'claude-3-5-sonnet',
];
const STATUSES: readonly (readonly [string, string])[] = [
  ['🌴', 'On holiday until Monday'],
  ['🤒', 'Out sick'],
  ['🛠️', 'Upgrading the cluster'],
  ['📚', 'Heads down, reading'],
  ['🎧', 'Focus time'],
  ['✈️', 'Travelling — slow replies'],
  ['🏠', 'Working from home'],
];
const GENDERS = ['female', 'male', 'non-binary', 'prefer not to say'];
const LOCATIONS = [
  'Berlin, Germany',
  'Lagos, Nigeria',
  'São Paulo, Brasil',
  '東京',
  'Москва',
  'Montréal, Canada',
  'Athens, Greece',
  'Remote',
];

/**
 * An Open WebUI instance: users in the single-user shape an admin gets from
 * `GET /api/v1/users/{id}` (with `groups` and `is_active`), and the groups
 * list. The fake derives the list shape (`group_ids`, no `is_active`).
 */
export function generateOpenWebUIDirectory(options: GenerateOptions): OpenWebUIDirectory {
  const rng = new Rng(options.seed ^ 0x0e1b);
  const count = Math.max(0, Math.floor(options.count));
  const nowMs = options.nowMs ?? REFERENCE_NOW_MS;
  const nowS = Math.floor(nowMs / 1000);
  const emails = new EmailBook();
  const twoYears = 2 * 365 * 86_400;
  const groupCount =
    count === 0 ? 0 : Math.min(OWUI_GROUPS.length, Math.max(2, Math.ceil(count / 25)));
  const groupIds = Array.from({ length: groupCount }, () => rng.uuid());
  const members: string[][] = groupIds.map(() => []);
  const users: OpenWebUIWireUser[] = [];

  for (let i = 0; i < count; i++) {
    const person = i === 0 ? zoe() : makePerson(rng);
    const id = rng.uuid();
    let role: OpenWebUIWireUser['role'];
    if (i === 0) role = 'admin';
    else if (i === 1) role = 'user';
    else if (i === 2) role = 'pending';
    else {
      const r = rng.float();
      role = r < 0.03 ? 'admin' : r < 0.09 ? 'pending' : 'user';
    }
    const createdAt =
      role === 'pending'
        ? nowS - rng.int(3600, 14 * 86_400)
        : nowS - twoYears + Math.floor((i / Math.max(1, count)) * twoYears * 0.95);
    const lastActive =
      role === 'pending'
        ? createdAt
        : Math.max(
            createdAt,
            nowS - (rng.chance(0.1) ? rng.int(0, 170) : rng.recentSeconds(5 * 86_400)),
          );
    const updatedAt = Math.min(nowS, createdAt + rng.int(0, Math.max(0, lastActive - createdAt)));
    // Pictures: inline data:, the default /user.png, the image route, or an
    // external URL; the first four users have one of each.
    const r = rng.float();
    const kind = i < 4 ? i : r < 0.35 ? 1 : r < 0.6 ? 2 : r < 0.8 ? 0 : 3;
    const picture =
      kind === 0
        ? inlineAvatar(rng)
        : kind === 1
          ? '/user.png'
          : kind === 2
            ? `/api/v1/users/${id}/profile/image`
            : `https://images.example-cdn.net/avatars/${rng.hex(24)}.png`;
    const hasStatus = role !== 'pending' && (i === 0 || rng.chance(0.12));
    const status = hasStatus ? rng.pick(STATUSES) : null;
    const groups: { id: string; name: string }[] = [];
    if (role !== 'pending' && groupCount > 0) {
      const n = i === 0 ? Math.min(2, groupCount) : rng.pick([0, 0, 1, 1, 1, 2, 3]);
      const chosen = new Set<number>();
      for (let k = 0; k < n; k++) chosen.add(i === 0 ? k : rng.int(0, groupCount - 1));
      for (const g of [...chosen].sort((a, b) => a - b)) {
        groups.push({ id: groupIds[g]!, name: OWUI_GROUPS[g]![0] });
        members[g]!.push(id);
      }
    }
    users.push({
      status_emoji: status ? status[0] : null,
      status_message: status ? status[1] : null,
      status_expires_at: status && rng.chance(0.6) ? nowS + rng.int(-86_400, 7 * 86_400) : null,
      name: person.name,
      profile_image_url: picture,
      groups,
      is_active: nowS - lastActive <= 180,
      id,
      email: emails.take(person.handle, i === 0 ? 'example.com' : rng.pick(DOMAINS)),
      username: rng.chance(0.3) ? person.handle.replace(/\./g, '_') : null,
      role,
      profile_banner_image_url: null,
      bio: rng.chance(0.3) ? rng.pick(person.culture.bios).replace(/[*[\]]/g, '') : null,
      gender: rng.chance(0.15) ? rng.pick(GENDERS) : null,
      date_of_birth: rng.chance(0.2)
        ? `${rng.int(1960, 2004)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`
        : null,
      timezone: rng.chance(0.7) ? pickTimezone(rng, person) : null,
      presence_state: null,
      info: rng.chance(0.3) ? { location: rng.pick(LOCATIONS) } : null,
      settings: rng.chance(0.6)
        ? { ui: { models: [rng.pick(MODELS)], chatBubble: rng.chance(0.7) } }
        : null,
      oauth: rng.chance(0.25) ? { oidc: { sub: `00u${rng.hex(17)}` } } : null,
      scim: null,
      last_active_at: lastActive,
      updated_at: updatedAt,
      created_at: createdAt,
    });
  }

  const adminId = users[0]?.id ?? rng.uuid();
  const groups: OpenWebUIWireGroup[] = groupIds.map((id, g) => ({
    id,
    user_id: adminId,
    name: OWUI_GROUPS[g]![0],
    description: OWUI_GROUPS[g]![1],
    data: { config: { share: 'members' } },
    meta: null,
    permissions: permissionsOf(g),
    created_at: nowS - twoYears + g * 86_400,
    updated_at: nowS - rng.int(0, 90 * 86_400),
    member_count: members[g]!.length,
  }));

  return { nowMs, users, groups };
}
