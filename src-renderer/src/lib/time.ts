/**
 * Dates and times as an admin reads them: relative ("5 minutes ago"),
 * absolute ("14 Mar 2025, 10:02") and a user's local time from their IANA
 * timezone. All through Intl, in the OS locale; invalid zones are ignored.
 *
 * Runs in the window (pure functions, no DOM).
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const relativeNarrow = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'narrow' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const dateFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
});
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * "5 minutes ago", "in 3 hours", "yesterday": the largest unit that fits,
 * so a glance tells how fresh something is. Under 45 s reads "just now".
 */
export function relativeTime(at: number, now: number = Date.now()): string {
  return relative(relativeFormat, at, now);
}

/** The same, as short as the locale allows ("3m ago"), for tight places like the sidebar. */
export function relativeTimeShort(at: number, now: number = Date.now()): string {
  return relative(relativeNarrow, at, now);
}

function relative(format: Intl.RelativeTimeFormat, at: number, now: number): string {
  const diff = at - now;
  const abs = Math.abs(diff);
  const sign = diff < 0 ? -1 : 1;
  if (abs < 45 * SECOND) return 'just now';
  // Units are chosen after rounding, so 59.9 minutes reads "1 hour", not "60 minutes".
  const minutes = Math.max(1, Math.round(abs / MINUTE));
  if (minutes < 60) return format.format(sign * minutes, 'minute');
  const hours = Math.round(abs / HOUR);
  if (hours < 24) return format.format(sign * hours, 'hour');
  const days = Math.round(abs / DAY);
  if (days < 30) return format.format(sign * days, 'day');
  const months = Math.round(abs / (30 * DAY));
  if (months < 12) return format.format(sign * months, 'month');
  return format.format(sign * Math.max(1, Math.round(abs / (365 * DAY))), 'year');
}

/** Date and time in the admin's own zone, for tooltips and detail rows. */
export function absoluteDateTime(at: number): string {
  return dateTimeFormat.format(at);
}

/** A date alone, for "joined" where the hour is noise. */
export function absoluteDate(at: number): string {
  return dateFormat.format(at);
}

const calendarFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});

/**
 * A calendar date from a profile field ("2019-03-14") as the admin's
 * locale writes it ("Mar 14, 2019"). It is a day, not an instant, so it is
 * never shifted by a time zone; anything that is not a real date comes back
 * as it was.
 */
export function calendarDate(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!m) return value;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const at = Date.UTC(year, month - 1, day);
  const back = new Date(at);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1) return value;
  return calendarFormat.format(at);
}

/** Hours and minutes in the admin's own zone. */
function clockTime(at: number): string {
  return timeFormat.format(at);
}

/**
 * Absolute when it is more than a day away, else the time of day: how a
 * banner says "since 10:02" or "since 14 Mar, 10:02".
 */
export function sinceText(at: number, now: number = Date.now()): string {
  return Math.abs(now - at) < DAY && new Date(at).getDate() === new Date(now).getDate()
    ? clockTime(at)
    : absoluteDateTime(at);
}

/**
 * One formatter per zone, built once: constructing an `Intl.DateTimeFormat`
 * with a time zone costs a fraction of a millisecond, and every card in view
 * needs one on every render. `null` marks a zone the runtime does not know.
 */
const zoneFormats = new Map<string, Intl.DateTimeFormat | null>();
const MAX_ZONE_FORMATS = 1000;

function zoneFormat(zone: string): Intl.DateTimeFormat | null {
  const known = zoneFormats.get(zone);
  if (known !== undefined) return known;
  let format: Intl.DateTimeFormat | null;
  try {
    format = new Intl.DateTimeFormat(undefined, {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'shortOffset',
    });
  } catch {
    format = null;
  }
  // Zones come from servers: never let odd ones grow this without bound.
  if (zoneFormats.size >= MAX_ZONE_FORMATS) zoneFormats.clear();
  zoneFormats.set(zone, format);
  return format;
}

/** A user's wall clock now: "14:05" plus the zone's offset ("GMT+1"). */
export interface LocalTime {
  time: string;
  offset: string;
  zone: string;
}

/**
 * The last answer for each zone and the instant it was for: the cards in
 * view share one "now" (the clock store's tick), and many share a zone, so
 * each zone is formatted once a tick, not once a card and render.
 */
const lastLocalTimes = new Map<string, { at: number; value: LocalTime }>();

/** The user's local time from their timezone; null when the zone is missing or invalid. */
export function localTime(zone: string | null, now: number = Date.now()): LocalTime | null {
  const format = zone ? zoneFormat(zone) : null;
  if (!zone || !format) return null;
  const last = lastLocalTimes.get(zone);
  if (last?.at === now) return last.value;
  const value = formatLocalTime(format, zone, now);
  if (lastLocalTimes.size >= MAX_ZONE_FORMATS) lastLocalTimes.clear();
  lastLocalTimes.set(zone, { at: now, value });
  return value;
}

function formatLocalTime(format: Intl.DateTimeFormat, zone: string, now: number): LocalTime {
  const parts = format.formatToParts(now);
  const time = parts
    .filter((p) => p.type !== 'timeZoneName')
    .map((p) => p.value)
    .join('')
    .trim();
  const offset = parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
  return { time, offset, zone };
}

/** Seconds as "29 s", "2 min 5 s": how long a rate limit asks us to wait. */
export function waitText(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  return rest === 0 ? `${m} min` : `${m} min ${rest} s`;
}

/** A duration between two instants, for "synced in 4.2 s". */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return waitText(ms / 1000);
}

const numberFormat = new Intl.NumberFormat();

/** Counts with the locale's grouping: "12,480". */
export function countText(n: number): string {
  return numberFormat.format(n);
}

/** "1 user", "12 users". */
export function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${countText(n)} ${n === 1 ? one : many}`;
}

/**
 * A user's local time as the directory shows it: none for a deactivated or
 * gone account (Zulip hides it too: nobody will answer at that hour), else
 * `localTime` of their zone.
 */
export function userLocalTime(
  user: { timezone: string | null; deactivated: boolean; gone: boolean },
  now: number = Date.now(),
): LocalTime | null {
  return user.deactivated || user.gone ? null : localTime(user.timezone, now);
}
