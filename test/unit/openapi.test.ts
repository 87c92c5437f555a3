import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validate, compileErrors } from '@readme/openapi-parser';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import * as z from 'zod/mini';
import { buildOpenApiDocument, FIELD_KEYWORDS, jsonSchemaOf, openApiJson, type JsonObject } from '../../shared/http/openapi';
import { addUserSchema, accountNumberField, emailField, passwordField, postalCodeField, usernameField } from '../../shared/http/request-schemas';
import { routeContracts, routeErrors } from '../../shared/http/route-contracts';
import { routes } from '../../shared/http/routes';

const ROOT = path.resolve(__dirname, '../..');
const OPENAPI_FILE = path.join(ROOT, 'docs/openapi.json');
const document = buildOpenApiDocument();

describe('docs/openapi.json', () => {
  it('is what the code generates (else: run npm run openapi)', () => {
    const committed = readFileSync(OPENAPI_FILE, 'utf8');
    if (committed !== openApiJson(document)) throw new Error('docs/openapi.json differs from what the code generates: run npm run openapi');
  });

  // openapi-typescript is ESM-only for Jest: the generator checks its own output, in a process of its own.
  it('has types for the portal that are generated from it (else: run npm run openapi)', async () => {
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      execFile('npx', ['tsx', 'infra/tools/write-openapi.ts', '--check'], { cwd: ROOT }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
      );
    });
    if (result.code !== 0) throw new Error(`${result.output.trim()}\n(shared/portal/api/openapi-types.ts or docs/openapi.json is stale: run npm run openapi)`);
    expect(result.output).toContain('Up to date');
  }, 60_000);

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(document) as never);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.warnings).toEqual([]);
  });

  it('is refused by the validator when broken, so the check above can fail', async () => {
    const broken = structuredClone(document) as any;
    delete broken.paths['/v1/health'].get.responses['200'].description;
    expect((await validate(broken)).valid).toBe(false);
  });

  it('describes every route of the route table, once', () => {
    const paths = document.paths as Record<string, Record<string, JsonObject>>;
    const operations = Object.entries(paths).flatMap(([p, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${p}`));
    expect(operations.sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
    expect(Object.keys(routeContracts).sort()).toEqual(routes.map((route) => route.handler).sort());
  });

  it('has schemas that compile under JSON Schema 2020-12 (ajv strict mode)', () => {
    const ajv = addFormats(new Ajv2020({ strict: true, allErrors: true }));
    ajv.addKeyword('x-error-codes');
    const schemas = collectSchemas(document);
    expect(schemas.length).toBeGreaterThan(40);
    for (const schema of schemas) {
      if ('$ref' in schema) continue;
      expect(() => ajv.compile(schema)).not.toThrow();
    }
  });
});

describe('route contracts', () => {
  const handlerSource = (handler: string) => readFileSync(path.join(ROOT, 'functions/api', `${handler}.handler.ts`), 'utf8');

  it.each(routes.map((route) => [route.handler, route] as const))('%s: takes Idempotency-Key exactly when its handler does', (handler, route) => {
    expect(routeContracts[handler]!.idempotent).toBe(/idempotency\(/.test(handlerSource(handler)));
    expect(routeContracts[handler]!.requestBody !== undefined).toBe(route.body);
  });

  it('lists the spec §4 table codes as the floor', () => {
    const codesOf = (handler: string) => [...routeErrors(routes.find((r) => r.handler === handler)!).values()].flat();
    expect(codesOf('verify-activation')).toEqual(expect.arrayContaining(['ACTIVATION_NOT_FOUND', 'ACTIVATION_EXPIRED', 'ACTIVATION_USED', 'ACTIVATION_REVOKED']));
    expect(codesOf('register')).toEqual(
      expect.arrayContaining(['VALIDATION_FAILED', 'USERNAME_TAKEN', 'ACCOUNT_ALREADY_REGISTERED', 'IDENTITY_NOT_VERIFIED', 'NOT_ACCOUNT_HOLDER', 'TECHNICAL_USER_NOT_ELIGIBLE', 'TOO_MANY_ATTEMPTS', 'IDEMPOTENCY_KEY_REUSED', 'REQUEST_IN_PROGRESS']),
    );
    expect(codesOf('add-account-user')).toEqual(expect.arrayContaining(['UNAUTHENTICATED', 'HOLDER_ONLY', 'USER_ALREADY_EXISTS', 'TECHNICAL_USER_NOT_ELIGIBLE', 'TOO_MANY_INVITATIONS']));
    expect(codesOf('remove-account-user')).toEqual(expect.arrayContaining(['UNAUTHENTICATED', 'HOLDER_ONLY', 'USER_NOT_FOUND', 'CANNOT_REMOVE_HOLDER']));
    expect(codesOf('sign-in')).not.toContain('IDEMPOTENCY_KEY_REUSED');
  });
});

/**
 * The JSON Schema keywords of the request fields say what the field rules check: for any string,
 * the description accepts it exactly when the request schema does.
 */
describe('request field constraints', () => {
  const ajv = new Ajv2020({ strict: true });
  const accepts = (field: z.ZodMiniType) => {
    const check = ajv.compile(jsonSchemaOf(field, 'input'));
    return (value: string) => check(value);
  };
  const parses = (field: z.ZodMiniType) => (value: string) => field.safeParse(value).success;

  // Strings near each rule's edges: the characters the rules name, Unicode letters and marks,
  // controls, spaces of several kinds, and lengths around the limits.
  const chars = (alphabet: string) => fc.constantFrom(...[...alphabet]);
  const mixed = fc.oneof(
    chars('abcxyzABCXYZ0189._-'),
    chars(' \t\n\u00A0\u2028=+<>#@/\\%&\'’`|~!$*^{}?'),
    chars('éÉçßſıK\u0301\u0000\u001F\u007F\u202E\u200E😀中ا'),
  );
  const strings = (max: number) => fc.oneof(fc.string({ unit: mixed, maxLength: max }), fc.string({ maxLength: max }), fc.string({ unit: 'grapheme', maxLength: max }));

  // Letter, digit, letter, separator, digit, letter, digit: every position tried with every kind of character.
  const rare = <T>(usual: fc.Arbitrary<T>, unusual: fc.Arbitrary<T>) => fc.oneof({ arbitrary: usual, weight: 6 }, { arbitrary: unusual, weight: 1 });
  const letter = rare(chars('ABCEGHJKLMNPRSTVXYZabceghjz'), chars('DFIOQUWdfiw1 ſıK'));
  const digit = rare(chars('0123456789'), chars('aA٣ '));
  const postalShaped = fc
    .tuple(chars(' \t'), letter, digit, letter, chars(' -_\u00A0'), digit, letter, digit, chars(' \n'))
    .map((parts) => parts.map((part, i) => ((i === 0 || i === 4 || i === 8) && part === '_' ? '' : part)).join(''));

  const cases: [string, z.ZodMiniType, fc.Arbitrary<string>][] = [
    ['username', usernameField, strings(60)],
    ['password', passwordField, strings(20)],
    ['postalCode', postalCodeField, fc.oneof(strings(9), { arbitrary: postalShaped, weight: 4 })],
    ['accountNumber', accountNumberField, fc.oneof(strings(16), fc.string({ unit: chars('0123456789 -\t\u00A0a'), maxLength: 18 }))],
    [
      'email',
      emailField,
      fc.oneof(strings(30), fc.emailAddress(), fc.string({ unit: chars('aZ'), minLength: 60, maxLength: 66 }).map((tld) => `a@b.${tld}`), fc.string({ unit: chars('ab1.-@_+Z'), maxLength: 20 }), fc.string({ unit: chars('a.'), minLength: 240, maxLength: 270 }).map((s) => `${s}@example.com`)),
    ],
    ['name', addUserSchema.def.shape.name, fc.oneof(strings(20), fc.string({ unit: chars('aé \u00A0\t\'’.-1\u0301'), maxLength: 110 }), fc.string({ unit: chars('ab '), minLength: 98, maxLength: 104 }))],
  ];

  it.each(cases)('%s: the description and the code accept the same strings', (_name, field, arbitrary) => {
    expect(FIELD_KEYWORDS.has(field)).toBe(true);
    const described = accepts(field);
    const checked = parses(field);
    fc.assert(
      fc.property(arbitrary, (value) => described(value) === checked(value)),
      { numRuns: 3000 },
    );
  });

  it('takes known valid and invalid values as the code does', () => {
    expect(accepts(postalCodeField)(' h2x-1y4 ')).toBe(true);
    expect(accepts(postalCodeField)('D2X 1Y4')).toBe(false);
    expect(accepts(usernameField)('marie.tremblay')).toBe(true);
    expect(accepts(usernameField)('marie@example.com')).toBe(false);
    expect(accepts(passwordField)('Boulang3rie')).toBe(true);
    expect(accepts(passwordField)('Boulangerie')).toBe(false);
    expect(accepts(addUserSchema.def.shape.role)('secondary')).toBe(true);
    expect(accepts(addUserSchema.def.shape.role)('holder')).toBe(false);
  });
});

/** Every schema object under `content` or a parameter of the document. */
function collectSchemas(node: unknown, found: JsonObject[] = []): JsonObject[] {
  if (Array.isArray(node)) node.forEach((item) => collectSchemas(item, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'schema' && value && typeof value === 'object') found.push(value as JsonObject);
      else if (key === 'schemas' && value && typeof value === 'object') Object.values(value).forEach((schema) => found.push(schema as JsonObject));
      else collectSchemas(value, found);
    }
  }
  return found;
}
