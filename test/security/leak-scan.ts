/**
 * Looking for a secret everywhere it must never be: the forms a key takes on
 * the wire (as is, URL-encoded, base64, inside a Basic credential), searched
 * in files (byte for byte, recursively), in any recorded values (bridge
 * results, events, console and log lines) and in the requests a fake
 * server received.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LoggedRequest } from '../fakes/fake-http';

/** One way a secret may be written down, and what to call it in a report. */
export interface SecretForm {
  name: string;
  text: string;
}

/** The forms of a key (and of a Basic credential with its login). */
export function secretForms(key: string, login?: string): SecretForm[] {
  const forms: SecretForm[] = [
    { name: 'key', text: key },
    { name: 'key (URL-encoded)', text: encodeURIComponent(key) },
    { name: 'key (base64)', text: Buffer.from(key).toString('base64').replace(/=+$/, '') },
    { name: 'key (base64url)', text: Buffer.from(key).toString('base64url') },
  ];
  if (login !== undefined) {
    forms.push({
      name: 'Basic credential',
      text: Buffer.from(`${login}:${key}`).toString('base64').replace(/=+$/, ''),
    });
  }
  // Short forms would match by chance; the keys under test are long.
  const unique = new Map<string, SecretForm>();
  for (const f of forms) if (f.text.length >= 12 && !unique.has(f.text)) unique.set(f.text, f);
  return [...unique.values()];
}

/** Where a text holds a form, as "<label>: <form name>" lines. */
export function scanText(label: string, text: string, forms: readonly SecretForm[]): string[] {
  return forms.filter((f) => text.includes(f.text)).map((f) => `${label}: ${f.name}`);
}

function stringify(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

/** Scans recorded values, each under its own label. */
export function scanValues(
  label: string,
  values: readonly unknown[],
  forms: readonly SecretForm[],
): string[] {
  return values.flatMap((v, i) => scanText(`${label}[${i}]`, stringify(v), forms));
}

/** Every file under `dir`, byte for byte (as UTF-8 and as UTF-16). Returns hits and the files read. */
export function scanFolder(
  dir: string,
  forms: readonly SecretForm[],
): { hits: string[]; files: string[] } {
  const hits: string[] = [];
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) {
        files.push(relative(dir, path));
        const bytes = readFileSync(path);
        for (const f of forms) {
          if (
            bytes.includes(Buffer.from(f.text, 'utf8')) ||
            bytes.includes(Buffer.from(f.text, 'utf16le'))
          ) {
            hits.push(`${relative(dir, path)}: ${f.name}`);
          }
        }
      }
    }
  };
  walk(dir);
  return { hits, files };
}

/** The requests (path, query, any header) that carry a form of the secret. */
export function requestsCarrying(
  requests: readonly LoggedRequest[],
  forms: readonly SecretForm[],
): string[] {
  return requests.flatMap((r) =>
    scanText(
      `${r.method} ${r.path}`,
      stringify({ path: r.path, query: r.query, headers: r.headers }),
      forms,
    ),
  );
}
