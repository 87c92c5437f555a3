import { randomInt } from 'node:crypto';
import { Agent, request as httpRequest, type ClientRequest } from 'node:http';
import * as fc from 'fast-check';
import { matchPath, routes, type Route } from '../../shared/http/routes';
import { startService, type RunningService } from './local-stack';

/**
 * No client input may produce a 5xx (product spec §4). Every route gets odd JSON, non-JSON and
 * oversized bodies, odd content types, odd methods and paths, odd percent-encodings in its path
 * parameters and odd headers, in parallel batches; then one burst mixes every route with
 * lockout and registration races. Every error must have the spec's body, and a few refusals
 * whose answer the spec fixes (400 MALFORMED_JSON, 415, 413, 404, 405, 401) are checked exactly.
 *
 * Deterministic: every input comes from FUZZ_SEED (printed in the test names, the failure
 * messages and the summary). Replay with `FUZZ_SEED=<seed> npx jest test/e2e/no-5xx.test.ts`.
 * (The requests are then the same; the order in which parallel ones are handled may differ.)
 */

// ---------------------------------------------------------------------------------------------
// Seed and PRNG

const seed = readSeed();
function readSeed(): number {
  const given = process.env.FUZZ_SEED?.trim();
  if (!given) return randomInt(1, 2 ** 31);
  if (!/^\d+$/.test(given)) throw new Error(`FUZZ_SEED must be a non-negative integer, not "${given}"`);
  return Number(given) >>> 0;
}

/** mulberry32: small, fast, seeded. */
class Rng {
  private state: number;
  constructor(initial: number) {
    this.state = initial >>> 0;
  }
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number {
    return Math.floor((this.u32() / 2 ** 32) * n);
  }
  range(min: number, maxExclusive: number): number {
    return min + this.int(maxExclusive - min);
  }
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

/** One independent stream per test, so a test replays the same even when run alone (`-t`). */
function rngFor(label: string): Rng {
  let hash = 0x811c9dc5;
  for (const ch of label) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return new Rng(seed ^ hash);
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP: fetch refuses bodies on GET, odd methods and unencoded paths; node:http sends them.

interface Expectation {
  status: number[];
  code?: string;
}
interface Req {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body?: string | Buffer;
  /** What kind of input this is, for the report. */
  label: string;
  /** Set on probes whose answer the spec fixes. */
  expect?: Expectation;
}
interface Res {
  status: number;
  text: string;
  error?: string;
}
interface Outcome {
  req: Req;
  res: Res;
}

let service: RunningService;
const agent = new Agent({ keepAlive: true });
const tally = { sent: 0, classes: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, 'no response': 0 } as Record<string, number> };
let failed = false;
const startedAt = Date.now();

function send(req: Req): Promise<Res> {
  const { port } = new URL(service.url);
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
  const headers: Record<string, string | string[]> = { ...req.headers };
  if (body) headers['content-length'] = String(body.length);
  return new Promise<Res>((resolve) => {
    let outgoing: ClientRequest;
    try {
      outgoing = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (error) => resolve({ status: 0, text: '', error: error.message }));
      });
    } catch (error) {
      // The client itself refused to send it (a generator bug, not the service's).
      throw new Error(`cannot send ${req.method} ${req.path} [${req.label}]: ${(error as Error).message}`);
    }
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 30 s')));
    outgoing.on('error', (error) => resolve({ status: 0, text: '', error: error.message }));
    outgoing.end(body);
  });
}

async function fire(req: Req): Promise<Outcome> {
  const res = await send(req);
  tally.sent++;
  tally.classes[res.status === 0 ? 'no response' : `${Math.floor(res.status / 100)}xx`]!++;
  return { req, res };
}

async function fireInBatches(requests: Req[], size: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < requests.length; i += size) outcomes.push(...(await Promise.all(requests.slice(i, i + size).map(fire))));
  return outcomes;
}

// ---------------------------------------------------------------------------------------------
// Review: 5xx, error bodies, fixed answers

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
function isSpecErrorBody(body: any): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof body.error === 'object' &&
    body.error !== null &&
    typeof body.error.code === 'string' &&
    /^[A-Z_]+$/.test(body.error.code) &&
    typeof body.error.message === 'string' &&
    body.error.message.trim() !== ''
  );
}
function describeReq(req: Req): string {
  const path = req.path.length > 90 ? `${req.path.slice(0, 90)}…(${req.path.length} chars)` : req.path;
  return `${req.method} ${path} [${req.label}]`;
}
function outcomeLine({ req, res }: Outcome): string {
  const code = parseJson(res.text)?.error?.code;
  return `${describeReq(req)} -> ${res.status === 0 ? `no response (${res.error})` : res.status}${code ? ` ${code}` : ''}`;
}

function review(outcomes: Outcome[]) {
  const serverErrors: string[] = [];
  const badErrorBodies: string[] = [];
  const wrongAnswers: string[] = [];
  for (const outcome of outcomes) {
    const { req, res } = outcome;
    const body = parseJson(res.text);
    if (res.status === 0 || res.status >= 500) serverErrors.push(outcomeLine(outcome));
    else if (res.status >= 400 && req.method !== 'HEAD' && !isSpecErrorBody(body)) {
      badErrorBodies.push(`${outcomeLine(outcome)}: ${JSON.stringify(res.text.slice(0, 160))}`);
    }
    const expected = req.expect;
    if (expected && res.status > 0 && res.status < 500) {
      if (!expected.status.includes(res.status) || (expected.code !== undefined && body?.error?.code !== expected.code)) {
        wrongAnswers.push(`${outcomeLine(outcome)}, expected ${expected.status.join('|')}${expected.code ? ` ${expected.code}` : ''}`);
      }
    }
  }
  if (serverErrors.length + badErrorBodies.length + wrongAnswers.length > 0) failed = true;
  return { serverErrors, badErrorBodies, wrongAnswers };
}

// ---------------------------------------------------------------------------------------------
// Inputs

const AGENT_KEY = 'fuzz-key';
const sessions = { main: '', mixed: '', doomed: '' };

const strings = [
  '',
  ' ',
  'a'.repeat(3000),
  'é'.repeat(700),
  '\u0000\u0007\n\t',
  '\ud800',
  'x\udfffy',
  '\u202eevil\u202c',
  '\ufeff',
  '../../etc/passwd',
  '%00%ZZ',
  '"; DROP TABLE users; --',
  '${jndi:ldap://x}',
  '😀'.repeat(40),
  '0'.repeat(40),
  '123456789',
  '987654321',
  '555000111222',
  '123 456 789',
  'H2X 1Y4',
  'K1A 0B1',
  'h2x-1y4',
  'marie.tremblay',
  'MARIE.TREMBLAY',
  'Boulang3rie',
  'marie.tremblay@example.com',
  'luc.gagnon@example.com',
  'support@technoservices.example.com',
  'x@example.com',
  'secondary',
  'technical',
  'holder',
  '__proto__',
  'constructor',
  'Bearer ' + 'A'.repeat(65),
];
const hugeNumbers = ['1e400', '-1e400', '1e-400', '123456789012345678901234567890', '9007199254740993', '-0', '0.1e1', '1E+2', '123456789', '-1'];
const fieldNames = ['accountNumber', 'postalCode', 'email', 'username', 'password', 'activationToken', 'name', 'role', 'advanceSeconds'];
const fieldsOf: Record<string, string[]> = {
  'request-activation': ['accountNumber', 'postalCode'],
  'verify-activation': ['activationToken'],
  register: ['activationToken', 'accountNumber', 'postalCode', 'email', 'username', 'password'],
  'sign-in': ['username', 'password'],
  'add-account-user': ['name', 'email', 'role'],
};
const extraKeys = ['__proto__', 'constructor', 'toString', '', 'USERNAME', 'username ', 'role'];

const jsonTypes = ['application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;', 'application/json ;charset="UTF-8"; x=y'];
const nonJsonTypes = [
  'text/plain',
  'text/plain; charset=utf-8',
  'multipart/form-data; boundary=fuzz',
  'application/x-www-form-urlencoded',
  'application/json+x',
  'application/jsonp',
  'text/json',
  '*/*',
  '',
];
const oddMethods = ['PUT', 'PATCH', 'HEAD', 'OPTIONS', 'GET', 'POST', 'DELETE'];

/** Path parameter values as sent on the wire: odd and invalid percent-encodings included. */
const rawParams = [
  '%',
  '%%',
  '%E0%A4%A',
  '%2F',
  '%2f..%2f',
  '%00',
  '%ZZ',
  '%C0%AF',
  '%FF',
  '%ED%A0%80',
  '%F0%9F%98%80',
  '%2e%2e',
  '..',
  '.',
  '%252F',
  '%20',
  '+',
  '%u0041',
  ';x=1',
  "'\"<>`{}|^\\",
  '%41'.repeat(300),
  'a'.repeat(2000),
  '123456789',
  '987654321',
  '555000111222',
  'marie.tremblay',
  'some.user',
];
const authJunk = (session: string) => [
  'Bearer',
  'Bearer ',
  `bearer ${session}`,
  `BEARER ${session}`,
  `Bearer  ${session}`,
  `Bearer ${session}x`,
  `Bearer ${session.slice(0, -1)}`,
  `Bearer ${session},Bearer ${session}`,
  session,
  'Basic dXNlcjpwYXNz',
  `Bearer ${'A'.repeat(65)}`,
  `Bearer ${'A'.repeat(4000)}`,
  'Bearer a.b.c',
  'Bearer %00',
  'Bearer \u00e9\u00ff',
  'Token abc',
  ', Bearer x',
];
const acceptLanguages = ['en', 'fr', 'en;q=abc, ,;;', '*', 'zz-ZZ', 'en-US,en;q=0.9', 'fr;q=2, en;q=-1', ';;;', ',', '\u00e9\u00ff', 'x'.repeat(1000), 'EN', 'en_CA', ''];
const agentKeys = ['', 'wrong', `${AGENT_KEY} `, AGENT_KEY.toUpperCase(), `${AGENT_KEY},${AGENT_KEY}`, 'a'.repeat(500), '\u00e9'];
// (Not `fuzz-key ` here: HTTP drops a header value's trailing space, so that one is the right key.)
const wrongAgentKeys = ['', 'wrong', AGENT_KEY.toUpperCase(), AGENT_KEY.slice(0, -1), `${AGENT_KEY},${AGENT_KEY}`, 'a'.repeat(500), '\u00e9'];
const idempotencyKeys = ['', 'a'.repeat(65), 'a'.repeat(64), '../x', 'key with space', '\u00e9t\u00e9', 'fuzz-same-key', 'ok_Key-1', '%00', '0'];

const unknownPaths = [
  '/',
  '/v1',
  '/v1/',
  '/v2/health',
  '/V1/HEALTH',
  '/v1/health/',
  '/v1//health',
  '//v1/health',
  '/v1/../v1/health',
  '/v1/%2e%2e/v1/health',
  '/%',
  '/%E0%A4%A',
  '/v1/usernames//availability',
  '/v1/usernames/%2F/availability',
  '/v1/account/users/%2F/invitation',
  '/v1/sessions/current/password',
  '/v1/agent/accounts//registration',
  '/favicon.ico',
  '/v1/health?%ZZ=%&a=1&a=2',
  '/v1/health#frag',
  '/v1/account/users?role[]=x&__proto__=y',
  `/${'a'.repeat(4000)}`,
  '/..%2f..%2fetc/passwd',
  '//%',
  '//[',
  '//a:b@c/d',
];

/** UTF-8 percent-encoding that, unlike encodeURIComponent, takes lone surrogates too (as U+FFFD). */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Generates the requests of one test from its own PRNG stream (and fast-check samples of it). */
class Gen {
  private readonly fcJson: unknown[];
  private readonly fcText: string[];
  private count = 0;
  constructor(readonly rng: Rng) {
    this.fcJson = fc.sample(fc.jsonValue({ maxDepth: 3 }), { seed: rng.u32() | 0, numRuns: 24 });
    this.fcText = fc.sample(fc.string({ unit: 'binary', maxLength: 30 }), { seed: rng.u32() | 0, numRuns: 24 });
  }

  /** A path with each `{param}` filled, oddly (raw odd encodings, junk) or plainly. */
  path(template: string, odd: boolean): string {
    return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      if (!odd) return name === 'accountNumber' ? '987654321' : name === 'username' ? 'some.user1' : `user-${this.rng.range(1000, 9999)}`;
      const r = this.rng;
      switch (r.int(4)) {
        case 0:
          return r.pick(rawParams);
        case 1:
          return percentEncode(r.pick(strings)) || '%20';
        case 2:
          return percentEncode(r.pick(this.fcText)) || 'x';
        default:
          return r.pick(rawParams) + percentEncode(r.pick(strings)) + r.pick(rawParams);
      }
    });
  }

  headers(route: Route | undefined): Record<string, string | string[]> {
    const r = this.rng;
    const h: Record<string, string | string[]> = {};
    // Agent key: usually right on agent routes, so their handlers see the odd inputs.
    const agentRoll = r.int(10);
    if (agentRoll < (route?.auth === 'agent' ? 7 : 4)) h['x-agent-key'] = AGENT_KEY;
    else if (agentRoll < 9) h[r.chance(0.5) ? 'x-agent-key' : 'X-Agent-Key'] = r.pick(agentKeys);
    else h['x-agent-key'] = [AGENT_KEY, 'wrong'];
    // Authorization: half the calls signed in as the holder, so session routes' inputs get checked too.
    const authRoll = r.int(10);
    if (authRoll < 5) h.authorization = `Bearer ${sessions.main}`;
    else if (authRoll < 8) h[r.chance(0.5) ? 'authorization' : 'Authorization'] = r.pick(authJunk(sessions.main));
    else if (authRoll < 9) h.authorization = [`Bearer ${sessions.main}`, r.pick(authJunk(sessions.main))];
    if (r.chance(0.4)) h['accept-language'] = r.pick(acceptLanguages);
    if (r.chance(0.25)) h['idempotency-key'] = r.pick(idempotencyKeys);
    if (r.chance(0.1)) h['x-forwarded-for'] = r.pick(['1.2.3.4, 5.6.7.8', 'junk', '::1', '']);
    if (r.chance(0.1)) h.origin = r.pick(['https://evil.example', 'null', '']);
    if (r.chance(0.05)) h.cookie = 'session=%ZZ; a';
    return h;
  }

  private scalarText(): string {
    const r = this.rng;
    switch (r.int(9)) {
      case 0:
        return JSON.stringify(r.pick(strings));
      case 1:
        return JSON.stringify(r.pick(this.fcText));
      case 2:
        return r.pick(hugeNumbers);
      case 3:
        return 'null';
      case 4:
        return r.pick(['true', 'false', '[]', '{}']);
      case 5:
        return JSON.stringify(r.pick(strings).repeat(r.range(1, 5)));
      case 6:
        return JSON.stringify(r.bytes(r.range(1, 120)).toString(r.chance(0.5) ? 'base64url' : 'latin1'));
      case 7:
        return JSON.stringify(r.pick(this.fcJson)) ?? 'null';
      default:
        return '"\\ud800\\u0000\\udfff"';
    }
  }

  private valueText(depth = 0): string {
    const r = this.rng;
    if (depth > 2 || r.chance(0.7)) return this.scalarText();
    if (r.chance(0.5)) return `[${Array.from({ length: r.range(0, 4) }, () => this.valueText(depth + 1)).join(',')}]`;
    return `{${Array.from({ length: r.range(0, 3) }, () => `${JSON.stringify(r.pick([...fieldNames, ...extraKeys]))}:${this.valueText(depth + 1)}`).join(',')}}`;
  }

  private fieldsFor(route: Route | undefined): string[] {
    return (route && fieldsOf[route.handler]) ?? fieldNames;
  }

  /** A JSON object of the route's fields (others too), with odd values, extra and duplicate keys. */
  objectText(route: Route | undefined): string {
    const r = this.rng;
    const entries: string[] = [];
    for (const name of this.fieldsFor(route)) if (r.int(4) > 0) entries.push(`${JSON.stringify(name)}:${this.valueText()}`);
    if (r.chance(0.3)) entries.push(`${JSON.stringify(r.pick([...fieldNames, ...extraKeys]))}:${this.valueText()}`);
    if (r.chance(0.15)) entries.push(`"__proto__":{"role":"holder","isAdmin":true}`);
    if (r.chance(0.2) && entries.length > 0) entries.push(r.pick(entries)); // duplicate key
    return `{${r.shuffle(entries).join(',')}}`;
  }

  /** A body that is nearly right for the route, so its deeper code runs; one field may be odd. */
  plausibleText(route: Route | undefined): string {
    const r = this.rng;
    const n = ++this.count;
    const user = `fuzz.user.${r.range(100, 999)}`;
    const bodies: Record<string, () => Record<string, unknown>> = {
      'request-activation': () => ({ accountNumber: r.pick(['987654321', '123 456 789', '555-000-111-222', '000000000', '12345678']), postalCode: r.pick(['K1A 0B1', 'h2x1y4', 'H2X-1Y4', 'Z9Z 9Z9']) }),
      'verify-activation': () => ({ activationToken: r.bytes(r.range(8, 40)).toString('base64url') }),
      register: () =>
        r.chance(0.5)
          ? { activationToken: r.bytes(32).toString('base64url'), username: user, password: `Passw0rd${n}` }
          : {
              accountNumber: '123456789',
              postalCode: r.pick(['H2X 1Y4', 'H0H 0H0']),
              email: r.pick(['marie.tremblay@example.com', 'luc.gagnon@example.com', 'support@technoservices.example.com', 'x@example.com']),
              username: r.pick([user, 'marie.tremblay', 'MARIE.TREMBLAY']),
              password: `Passw0rd${n}`,
            },
      'sign-in': () => ({ username: r.pick(['marie.tremblay', 'MARIE.TREMBLAY', 'nobody.at.all', user]), password: r.pick(['Boulang3rie', `wrong${n}pass`, 'x']) }),
      'add-account-user': () => ({
        name: r.pick(['Luc Gagnon', 'Jean Dupont', '123', 'Ana\u202eX', "O'Neil-Smith Jr."]),
        email: r.pick(['luc.gagnon@example.com', 'support@technoservices.example.com', `new.person${n}@example.com`, 'marie.tremblay@example.com']),
        role: r.pick(['secondary', 'technical', 'holder', 'admin']),
      }),
    };
    const body = (route && bodies[route.handler]?.()) ?? { username: user, password: `Passw0rd${n}` };
    const text = JSON.stringify(body);
    if (r.chance(0.5)) return text;
    const key = r.pick(Object.keys(body));
    const odd = `"${key}":${this.valueText()}`;
    return text.replace(`"${key}":${JSON.stringify(body[key])}`, () => odd);
  }

  deepText(): string {
    const depth = this.rng.range(50, 5000);
    return this.rng.chance(0.5)
      ? `{"username":${'['.repeat(depth)}${']'.repeat(depth)}}`
      : `${'{"a":'.repeat(Math.min(depth, 2600))}1${'}'.repeat(Math.min(depth, 2600))}`;
  }

  truncatedText(route: Route | undefined): string {
    const text = this.plausibleText(route);
    return text.slice(0, this.rng.range(1, text.length - 1));
  }

  /** Not JSON at all, though it may claim to be. */
  malformedText(route: Route | undefined): string | Buffer {
    const r = this.rng;
    switch (r.int(5)) {
      case 0:
        return this.truncatedText(route);
      case 1:
        return Buffer.concat([Buffer.from([0xff, 0xfe]), r.bytes(r.range(1, 200))]);
      case 2:
        return `${this.plausibleText(route)}${r.pick(['}', ' x', ',', ']', '\u0000'])}`;
      case 3:
        return `\ufeff${this.plausibleText(route)}`;
      default:
        return r.pick([
          "{'username':'x'}",
          '{username:"x"}',
          'NaN',
          'undefined',
          '{"a":1,}',
          '/* c */{}',
          '{"a":01}',
          '{"a":"\u0001"}',
          '{"a" 1}',
          'username=marie&password=x%00',
          '--fuzz\r\nContent-Disposition: form-data; name="username"\r\n\r\nmarie\r\n--fuzz--\r\n',
        ]);
    }
  }

  /** Any body, and the content type it is sent with. */
  body(route: Route | undefined): { body: string | Buffer; contentType?: string | string[]; kind: string } {
    const r = this.rng;
    const kinds = ['object', 'object', 'plausible', 'plausible', 'fc-json', 'scalar', 'deep', 'malformed', 'malformed', 'random-bytes', 'empty', 'oversize'] as const;
    const kind = r.pick(kinds);
    let body: string | Buffer;
    switch (kind) {
      case 'object':
        body = this.objectText(route);
        break;
      case 'plausible':
        body = this.plausibleText(route);
        break;
      case 'fc-json':
        body = JSON.stringify(r.pick(this.fcJson)) ?? 'null';
        break;
      case 'scalar':
        body = r.pick(['null', '[]', '[{}]', '"x"', '42', 'true', '1e400', '-0', '[null]', '{"":""}', ' \n\t ']);
        break;
      case 'deep':
        body = this.deepText();
        break;
      case 'malformed':
        body = this.malformedText(route);
        break;
      case 'random-bytes':
        body = r.bytes(r.range(1, 400));
        break;
      case 'empty':
        body = '';
        break;
      default:
        body = JSON.stringify({ username: 'a'.repeat(r.chance(0.8) ? r.range(16 * 1024, 20 * 1024) : r.range(1024 * 1024, 1200 * 1024)) });
    }
    const typeRoll = r.int(20);
    const contentType =
      typeRoll < 13 ? r.pick(jsonTypes) : typeRoll < 18 ? r.pick(nonJsonTypes) : typeRoll < 19 ? undefined : ['application/json', 'text/plain'];
    return { body, contentType, kind };
  }

  /** One random request aimed at a route (sometimes beside it: odd method, unknown path). */
  fuzz(route: Route): Req {
    const r = this.rng;
    let method: string = route.method;
    let path = this.path(route.path, r.chance(0.6));
    let label = 'fuzz';
    const roll = r.int(20);
    if (roll === 0) {
      method = r.pick(oddMethods);
      path = r.pick(unknownPaths);
      label = 'unknown-path';
    } else if (roll <= 2) {
      method = r.pick(oddMethods);
      label = 'odd-method';
    }
    if (r.chance(0.1)) path += r.pick(['?', '?a=%ZZ', '?username=x&username=y', `?${'q'.repeat(500)}=1`]);
    const headers = this.headers(route);
    const wantsBody = method !== 'HEAD' && (route.body && method === route.method ? r.chance(0.95) : r.chance(0.3));
    if (!wantsBody) return { method, path, headers, label };
    const { body, contentType, kind } = this.body(route);
    if (contentType !== undefined) headers['content-type'] = contentType;
    return { method, path, headers, body, label: `${label}:${kind}:${Array.isArray(contentType) ? 'two-types' : contentType ?? 'no-type'}`.slice(0, 60) };
  }

  /** Requests whose answer the spec fixes, with junk around them. */
  probes(route: Route): Req[] {
    const r = this.rng;
    const plainPath = this.path(route.path, false);
    const signedIn = (): Record<string, string | string[]> => ({
      ...this.headers(route),
      'x-agent-key': AGENT_KEY,
      ...(route.auth === 'session' ? { authorization: `Bearer ${sessions.main}` } : {}),
    });
    const probes: Req[] = [];
    const methodsHere = routes.filter((other) => matchPath(other.path, plainPath)).map((other) => other.method as string);
    for (const method of ['PATCH', 'PUT']) {
      if (methodsHere.includes(method)) continue;
      probes.push({ method, path: plainPath, headers: this.headers(route), body: this.objectText(route), label: `probe:${method}`, expect: { status: [405], code: 'METHOD_NOT_ALLOWED' } });
    }
    for (const path of [`${plainPath}/zz-nope`, `/v2${plainPath}`, `${plainPath}%2Fzz`]) {
      if (routes.some((other) => matchPath(other.path, new URL(path, 'http://x').pathname))) continue;
      probes.push({ method: route.method, path, headers: signedIn(), label: 'probe:unknown-path', expect: { status: [404], code: 'NOT_FOUND' } });
    }
    if (route.auth === 'session') {
      const withBody = route.body ? { body: this.plausibleText(route) } : {};
      const base: Record<string, string | string[]> = { ...this.headers(route), 'content-type': 'application/json' };
      delete base.authorization;
      delete base.Authorization;
      probes.push({ method: route.method, path: plainPath, headers: base, ...withBody, label: 'probe:no-session', expect: { status: [401], code: 'UNAUTHENTICATED' } });
      probes.push({
        method: route.method,
        path: plainPath,
        headers: { ...base, authorization: r.pick(['Bearer', 'Bearer junk', `Bearer ${'A'.repeat(43)}`, 'Basic dXNlcjpwYXNz', `Bearer ${sessions.main}x`]) },
        ...withBody,
        label: 'probe:bad-session',
        expect: { status: [401], code: 'UNAUTHENTICATED' },
      });
    }
    if (route.auth === 'agent') {
      const base = this.headers(route);
      delete base['x-agent-key'];
      delete base['X-Agent-Key'];
      probes.push({ method: route.method, path: plainPath, headers: base, label: 'probe:no-agent-key', expect: { status: [401, 403] } });
      probes.push({ method: route.method, path: plainPath, headers: { ...base, 'x-agent-key': r.pick(wrongAgentKeys) }, label: 'probe:wrong-agent-key', expect: { status: [401, 403] } });
    }
    if (route.body) {
      for (let i = 0; i < 4; i++) {
        probes.push({
          method: route.method,
          path: plainPath,
          headers: { ...signedIn(), 'content-type': r.pick(jsonTypes) },
          body: this.malformedText(route),
          label: 'probe:malformed-json',
          expect: { status: [400], code: 'MALFORMED_JSON' },
        });
      }
      for (const type of [undefined, 'text/plain', 'multipart/form-data; boundary=fuzz', 'application/json+x', r.pick(nonJsonTypes)]) {
        const headers = signedIn();
        if (type !== undefined) headers['content-type'] = type;
        probes.push({
          method: route.method,
          path: plainPath,
          headers,
          body: r.chance(0.5) ? this.plausibleText(route) : this.malformedText(route),
          label: `probe:content-type:${type ?? 'none'}`,
          expect: { status: [415], code: 'UNSUPPORTED_MEDIA_TYPE' },
        });
      }
      probes.push({
        method: route.method,
        path: plainPath,
        headers: { ...signedIn(), 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'a'.repeat(r.range(16 * 1024, 40 * 1024)) }),
        label: 'probe:oversize',
        expect: { status: [413], code: 'PAYLOAD_TOO_LARGE' },
      });
      // Validation comes after the Idempotency-Key check: a well-formed key that a fuzzed request of
      // this run already used with another body rightly answers 422 IDEMPOTENCY_KEY_REUSED (spec §4).
      const { 'idempotency-key': _key, ...withoutKey } = signedIn();
      probes.push({
        method: route.method,
        path: plainPath,
        headers: { ...withoutKey, 'content-type': 'application/json' },
        body: r.pick(['null', '[]', '"x"', '42', 'true', '[{}]', '1e400']),
        label: 'probe:json-not-an-object',
        expect: { status: [400] },
      });
    }
    return probes;
  }
}

// ---------------------------------------------------------------------------------------------
// The tests

beforeAll(async () => {
  service = await startService({ AGENT_API_KEY: AGENT_KEY });
  const json = { 'content-type': 'application/json' };
  const registered = await send({
    method: 'POST',
    path: '/v1/registrations',
    headers: json,
    body: JSON.stringify({ accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', username: 'marie.tremblay', password: 'Boulang3rie' }),
    label: 'setup',
  });
  if (registered.status !== 201) throw new Error(`setup: registering the holder answered ${registered.status} ${registered.text}`);
  for (const name of ['main', 'mixed', 'doomed'] as const) {
    const signedIn = await send({ method: 'POST', path: '/v1/sessions', headers: json, body: JSON.stringify({ username: 'marie.tremblay', password: 'Boulang3rie' }), label: 'setup' });
    sessions[name] = parseJson(signedIn.text)?.sessionToken;
    if (signedIn.status !== 201 || !sessions[name]) throw new Error(`setup: signing in answered ${signedIn.status} ${signedIn.text}`);
  }
});

afterAll(async () => {
  agent.destroy();
  await service?.stop();
  const c = tally.classes;
  console.log(
    `[no-5xx] FUZZ_SEED=${seed} requests=${tally.sent} 2xx=${c['2xx']} 3xx=${c['3xx']} 4xx=${c['4xx']} 5xx=${c['5xx']} no-response=${c['no response']} ` +
      `in ${((Date.now() - startedAt) / 1000).toFixed(1)} s${failed ? ` — FAILED, replay: FUZZ_SEED=${seed} npx jest test/e2e/no-5xx.test.ts` : ''}`,
  );
});

describe(`no client input produces a 5xx (FUZZ_SEED=${seed})`, () => {
  const BATCH = 8;
  const FUZZ_PER_ROUTE = 80;
  // Signing out ends the shared session: that route runs last.
  const ordered = [...routes].sort((a, b) => Number(a.handler === 'sign-out') - Number(b.handler === 'sign-out'));

  it.each(ordered.map((route) => [route.method, route.path, route] as const))('%s %s, in parallel batches', async (_method, _path, route) => {
    const gen = new Gen(rngFor(`${route.method} ${route.path}`));
    const requests = gen.rng.shuffle([...gen.probes(route), ...Array.from({ length: FUZZ_PER_ROUTE }, () => gen.fuzz(route))]);
    const outcomes = await fireInBatches(requests, BATCH);

    expect({ seed, ...review(outcomes) }).toEqual({ seed, serverErrors: [], badErrorBodies: [], wrongAnswers: [] });
    const refused = outcomes.filter(({ res }) => res.status >= 400 && res.status < 500);
    const aimed = outcomes.filter(({ req }) => req.label.startsWith('fuzz') && req.method === route.method);
    if (refused.length === 0 || aimed.length === 0) failed = true;
    expect({ seed, refused: refused.length > 0, aimedAtTheRoute: aimed.length > 0 }).toEqual({ seed, refused: true, aimedAtTheRoute: true });
  });

  it('about 60 parallel requests mixing every route, lockouts and registration races', async () => {
    const gen = new Gen(rngFor('mixed'));
    const requests: Req[] = [];
    const add = (count: number, label: string, make: (i: number) => Omit<Req, 'label'>) => {
      for (let i = 0; i < count; i++) requests.push({ ...make(i), label });
    };
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) => ({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', ...headers, ...(gen.rng.chance(0.3) ? { 'accept-language': gen.rng.pick(acceptLanguages) } : {}) },
      body: JSON.stringify(body),
    });
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const agentKey = { 'x-agent-key': AGENT_KEY };

    add(10, 'burst:wrong-password', (i) => post('/v1/sessions', { username: 'marie.tremblay', password: `Wrong${i}pass` }));
    add(3, 'burst:unknown-user', (i) => post('/v1/sessions', { username: 'nobody.registered', password: `Wrong${i}pass` }));
    add(6, 'race:flow-b-987654321', (i) =>
      post('/v1/registrations', { accountNumber: '987654321', postalCode: 'K1A 0B1', email: 'john.smith@example.com', username: `john.smith.${i}`, password: 'Northw1nd' }),
    );
    add(3, 'race:flow-b-555000111222', () =>
      post('/v1/registrations', { accountNumber: '555000111222', postalCode: 'G1R 4P5', email: 'sophie.cote@example.com', username: 'sophie.cote', password: 'Transp0rt' }),
    );
    add(6, 'race:identity-lockout-555000111222', (i) =>
      post('/v1/registrations', { accountNumber: '555000111222', postalCode: 'H0H 0H0', email: 'sophie.cote@example.com', username: `sophie.${i}x`, password: 'Transp0rt' }),
    );
    add(3, 'race:activation-requests', () => post('/v1/activation-requests', { accountNumber: '987654321', postalCode: 'K1A 0B1' }));
    add(2, 'race:agent-send', () => ({ ...post('/v1/agent/accounts/987654321/activation-email', {}, agentKey), body: undefined }));
    add(2, 'race:agent-status', () => ({ method: 'GET', path: '/v1/agent/accounts/987654321/registration', headers: agentKey }));
    add(3, 'availability', (i) => ({ method: 'GET', path: `/v1/usernames/john.smith.${i}/availability`, headers: {} }));
    add(2, 'verify-junk', () => post('/v1/activations/verify', { activationToken: gen.rng.bytes(32).toString('base64url') }));
    add(1, 'health', () => ({ method: 'GET', path: '/v1/health', headers: {} }));
    add(2, 'list-users', () => ({ method: 'GET', path: '/v1/account/users', headers: bearer(sessions.mixed) }));
    add(3, 'race:add-same-user', () => post('/v1/account/users', { name: 'Nouvelle Collègue', email: 'new.colleague@example.com', role: 'secondary' }, bearer(sessions.mixed)));
    add(2, 'resend-junk', () => ({ method: 'POST', path: `/v1/account/users/${gen.path('{x}', true)}/invitation`, headers: bearer(sessions.mixed) }));
    add(1, 'remove-junk', () => ({ method: 'DELETE', path: `/v1/account/users/${gen.path('{x}', true)}`, headers: bearer(sessions.mixed) }));
    add(2, 'race:sign-out-same-session', () => ({ method: 'DELETE', path: '/v1/sessions/current', headers: bearer(sessions.doomed) }));
    add(1, 'race:list-while-signing-out', () => ({ method: 'GET', path: '/v1/account/users', headers: bearer(sessions.doomed) }));
    for (let i = 0; i < 8; i++) requests.push(gen.fuzz(gen.rng.pick(routes)));
    gen.rng.shuffle(requests);

    const outcomes = await Promise.all(requests.map(fire));

    const statusesOf = (label: string) => outcomes.filter(({ req }) => req.label === label).map(({ res }) => res.status);
    const races: string[] = [];
    const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;
    const wrongPassword = statusesOf('burst:wrong-password');
    if (wrongPassword.some((s) => s !== 401 && s !== 429 && s < 500)) races.push(`wrong passwords answered ${wrongPassword.join(',')} (401 or 429 only)`);
    if (count(wrongPassword, 401) > 5) races.push(`10 parallel wrong passwords for one username got ${count(wrongPassword, 401)} checks (at most 5, the rest 429)`);
    for (const label of ['race:flow-b-987654321', 'race:flow-b-555000111222', 'race:add-same-user']) {
      if (count(statusesOf(label), 201) > 1) races.push(`${label}: ${count(statusesOf(label), 201)} created (at most 1): ${statusesOf(label).join(',')}`);
    }
    if (races.length > 0) failed = true;
    expect({ seed, ...review(outcomes), races }).toEqual({ seed, serverErrors: [], badErrorBodies: [], wrongAnswers: [], races: [] });
  });
});
