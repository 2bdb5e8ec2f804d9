/**
 * The one logger of main and core. It never writes a secret: every secret the
 * process handles is registered here first and masked in anything logged.
 *
 * Node only; never imports `electron`.
 */

/** Where log lines go; main writes to a file, tests collect them. */
export type LogSink = (line: string) => void;

/** A leveled logger whose lines are already redacted. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const secrets = new Set<string>();

/**
 * Remembers a secret so no log line can carry it. Short values are ignored:
 * masking every "a" would destroy the log and a 3-character key is no secret.
 */
export function registerSecret(secret: string): void {
  if (secret.length >= 6) secrets.add(secret);
}

/** Masks every registered secret and anything shaped like a credential. */
function redact(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[secret]');
  return out
    .replace(/(authorization:\s*)(basic|bearer)\s+[^\s"',]+/gi, '$1$2 [secret]')
    .replace(/\bsk-[A-Za-z0-9]{8,}\b/g, 'sk-[secret]')
    .replace(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\b/g, '[jwt]');
}

function format(level: string, message: string, fields?: Record<string, unknown>): string {
  let rest = '';
  if (fields && Object.keys(fields).length > 0) {
    try {
      rest = ' ' + JSON.stringify(fields);
    } catch {
      rest = ' [unserializable fields]';
    }
  }
  return redact(`${new Date().toISOString()} ${level} ${message}${rest}`);
}

/** Builds a logger over a sink (console by default). */
export function createLogger(sink: LogSink = (line) => console.log(line)): Logger {
  return {
    info: (m, f) => sink(format('INFO', m, f)),
    warn: (m, f) => sink(format('WARN', m, f)),
    error: (m, f) => sink(format('ERROR', m, f)),
  };
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
