/**
 * Zulip's OpenAPI description (shared/specs/zulip-openapi.yaml), loaded
 * once: its examples serve as fixtures (what real servers send), and its
 * schemas, turned into JSON Schema for Ajv, validate what the fake sends.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * The specs, vendored from the product's shared folder (../shared/specs
 * beside the repository) so a clean clone tests on its own;
 * test/core/specs-vendored.test.ts checks the copy against the original
 * wherever the shared folder is present.
 */
export const SPECS_DIR = resolve(__dirname, '../fixtures/specs');
/** Where the product's shared specs live, when the repository sits beside them. */
export const SHARED_SPECS_DIR = resolve(__dirname, '../../../shared/specs');
/** Zulip's OpenAPI description (feature level 339). */
const ZULIP_SPEC_PATH = resolve(SPECS_DIR, 'zulip-openapi.yaml');

type Doc = Record<string, unknown>;
let spec: Doc | null = null;

/** The parsed description (about 0.8 s the first time). */
export function zulipSpec(): Doc {
  spec ??= parse(readFileSync(ZULIP_SPEC_PATH, 'utf8')) as Doc;
  return spec;
}

/** Walks a path of keys into the description. */
export function at(path: (string | number)[]): unknown {
  let node: unknown = zulipSpec();
  for (const key of path) {
    if (typeof node !== 'object' || node === null)
      throw new Error(`no ${path.join(' › ')} in the spec`);
    node = (node as Record<string | number, unknown>)[key];
  }
  if (node === undefined) throw new Error(`no ${path.join(' › ')} in the spec`);
  return node;
}

/** The example of a GET endpoint's 200 answer. */
export function successExample(endpoint: string): Record<string, unknown> {
  const schema = at([
    'paths',
    endpoint,
    'get',
    'responses',
    '200',
    'content',
    'application/json',
    'schema',
  ]) as {
    allOf?: { example?: unknown }[];
    example?: unknown;
  };
  const example = schema.allOf?.find((s) => s.example !== undefined)?.example ?? schema.example;
  if (typeof example !== 'object' || example === null)
    throw new Error(`${endpoint} has no example`);
  return structuredClone(example) as Record<string, unknown>;
}
