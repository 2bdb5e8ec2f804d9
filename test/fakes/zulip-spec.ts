/**
 * Zulip's OpenAPI description (shared/specs/zulip-openapi.yaml), loaded
 * once: its examples serve as fixtures (what real servers send), and its
 * schemas, turned into JSON Schema for Ajv, validate what the fake sends
 * (and, for writes, what it is sent).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
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
function zulipSpec(): Doc {
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

/**
 * OpenAPI 3.0 schema → JSON Schema: `nullable: true` becomes a null type
 * (and is dropped where no type is given, as it then adds nothing).
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || key === 'example' || key === 'examples') continue;
    out[key] = toJsonSchema(value);
  }
  const n = node as { nullable?: unknown; type?: unknown; enum?: unknown[] };
  if (n.nullable === true && typeof n.type === 'string') {
    out.type = [n.type, 'null'];
    if (Array.isArray(n.enum)) out.enum = [...n.enum, null];
  }
  return out;
}

let ajv: Ajv | null = null;
const validators = new Map<string, ValidateFunction>();

/** A validator for a JSON pointer into the description, e.g. /components/schemas/User. */
export function zulipValidator(pointer: string): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv({
      strict: false,
      allErrors: true,
      validateFormats: false,
      validateSchema: false,
    });
    ajv.addSchema({
      ...(toJsonSchema(zulipSpec()) as Record<string, unknown>),
      $id: 'zulip-openapi',
    });
  }
  let v = validators.get(pointer);
  if (!v) {
    v = ajv.getSchema(`zulip-openapi#${pointer}`);
    if (!v) throw new Error(`no schema at ${pointer}`);
    validators.set(pointer, v);
  }
  return v;
}

/** Why `value` does not match the schema at `pointer` (at most five reasons); empty when it does. */
export function zulipSchemaErrors(pointer: string, value: unknown): string[] {
  const validate = zulipValidator(pointer);
  if (validate(value)) return [];
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/** A JSON pointer segment, escaped. */
export const pointerSegment = (segment: string): string =>
  segment.replace(/~/g, '~0').replace(/\//g, '~1');
