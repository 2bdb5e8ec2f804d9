/**
 * The people of every generated directory: name pools in many scripts by
 * culture (native and ASCII forms, name order, time zones, bios), the email
 * domains, and the helpers that turn draws into a person, a unique address
 * and a time zone. Shared by the Zulip and Open WebUI generators, so both
 * meet the same kinds of names.
 *
 * Node only; never imports `electron`.
 */
import type { Rng } from './random';

/** One name pool: whose names, how they are written, where they live and what they write. */
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

/** One generated person, before either generator dresses them as a user. */
export interface Person {
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

/** A random person of a culture drawn by weight: three draws (culture, given, family name). */
export function makePerson(rng: Rng): Person {
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
export function zoe(): Person {
  return { name: 'Zoë Müller', handle: 'zoe.muller', culture: CULTURES[0] as Culture };
}

/** Lower-case ASCII with accents stripped, so names become email local parts. */
export function asciiHandle(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9.]/g, '');
}

/** Email domains, weighted by repetition, so most people share one. */
export const DOMAINS = [
  'example.com',
  'example.com',
  'example.com',
  'example.org',
  'corp.example.net',
  'contractors.example.io',
];

/** Hands out unique email addresses, numbering repeats (anna.becker2@...), as real directories do. */
export class EmailBook {
  private readonly used = new Map<string, number>();
  take(handle: string, domain: string): string {
    const key = `${handle}@${domain}`;
    const n = this.used.get(key) ?? 0;
    this.used.set(key, n + 1);
    return n === 0 ? key : `${handle}${n + 1}@${domain}`;
  }
}

/** Mostly a zone of the person's culture, sometimes any zone, as people move. */
export function pickTimezone(rng: Rng, person: Person): string {
  return rng.chance(0.85) ? rng.pick(person.culture.timezones) : rng.pick(ALL_TIMEZONES);
}
