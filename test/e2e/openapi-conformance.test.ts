import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { RETRY_AFTER } from '../../shared/http/route-contracts';
import { routes } from '../../shared/http/routes';
import { jsonClient, startService, type Json, type RunningService } from './local-stack';

/**
 * The OpenAPI description against the running local stack: every route is driven through its
 * success and its typical refusals, as the portal and agents use them, and every answer must be
 * documented — its status for that operation, its body valid against that status's schema
 * (ajv, JSON Schema 2020-12, with formats), its `error.code` among the codes listed, and
 * `Retry-After` present where the description says it always is.
 */
let service: RunningService;
let doc: Json;
beforeAll(async () => {
  service = await startService();
  doc = (await call('GET', '/openapi.json')).body;
});
afterAll(() => service?.stop());

const call = jsonClient(() => service.url);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
const validators = new Map<string, ValidateFunction>();
/** `METHOD path-template status` of every answer checked. */
const observed = new Set<string>();

const resolve = (node: Json): Json => {
  if (typeof node.$ref !== 'string') return node;
  const target = node.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((at: Json, key: string) => at?.[key], doc);
  if (!target) throw new Error(`unresolved ${node.$ref}`);
  return resolve(target);
};

/**
 * Calls `method template` (its `{params}` filled in) and checks the answer against the
 * description; returns it for the scenario's own assertions.
 */
async function api(method: string, template: string, options: { params?: Record<string, string>; body?: unknown; headers?: Record<string, string>; query?: string } = {}) {
  const url = template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(options.params?.[name] ?? '')) + (options.query ?? '');
  const response = await call(method, url, options.body, options.headers);
  checkDocumented(method, template, response);
  return response;
}

function checkDocumented(method: string, template: string, response: Awaited<ReturnType<typeof call>>, responseDoc?: Json): void {
  const where = `${method} ${template} → ${response.status} ${JSON.stringify(response.body)}`;
  const documented = responseDoc ?? doc.paths[template]?.[method.toLowerCase()]?.responses?.[String(response.status)];
  if (!documented) throw new Error(`undocumented status: ${where}`);
  const answer = resolve(documented);
  observed.add(`${method} ${template} ${response.status}`);

  const schemaDoc = answer.content?.['application/json']?.schema;
  if (!schemaDoc) {
    if (response.body !== undefined) throw new Error(`documented without a body, answered one: ${where}`);
  } else {
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const key = JSON.stringify(schemaDoc);
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile(resolve(schemaDoc));
      validators.set(key, validate);
    }
    if (!validate(response.body)) throw new Error(`body does not match its schema: ${where}\n${ajv.errorsText(validate.errors)}`);
  }
  const code = response.body?.error?.code;
  if (response.status >= 400) {
    if (!(answer['x-error-codes'] as string[]).includes(code)) throw new Error(`undocumented error code: ${where}`);
    if (RETRY_AFTER[code as keyof typeof RETRY_AFTER] === 'always') expect([where, response.headers.get('retry-after')]).toEqual([where, expect.stringMatching(/^[1-9]\d*$/)]);
    for (const problem of response.body.error.fields ?? []) {
      if (!(answer['x-field-codes'] as string[]).includes(problem.code)) throw new Error(`undocumented field code ${problem.code}: ${where}`);
    }
  }
  for (const [name, header] of Object.entries((answer.headers ?? {}) as Record<string, Json>)) {
    const value = response.headers.get(name);
    const spec = resolve(header);
    if (spec.required) expect([where, value]).toEqual([where, expect.any(String)]);
    if (value !== null && spec.schema?.type === 'integer') expect([where, value]).toEqual([where, expect.stringMatching(/^[1-9]\d*$/)]);
  }
}

const mailCount = async () => ((await call('GET', '/__dev/outbox')).body.messages as Json[]).length;
/** The token in the newest mail to `to` among those sent after the outbox held `after` messages. */
async function newTokenFor(to: string, after: number, page = ''): Promise<string> {
  // English emails link to `page?lang=en#token=…`.
  const link = new RegExp(`${page}(?:\\?lang=en)?#token=([A-Za-z0-9_-]+)`);
  // Up to 30 s: the workflow sends asynchronously, and a loaded machine is slow.
  for (let i = 0; i < 600; i++) {
    const messages = ((await call('GET', '/__dev/outbox')).body.messages as Json[]).slice(after);
    const mail = messages.filter((m) => m.to[0] === to && link.test(m.text)).at(-1);
    if (mail) return link.exec(mail.text)![1]!;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`no new mail with ${link} for ${to}`);
}

const MARIE = { accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com' };
const JOHN = { accountNumber: '987654321', postalCode: 'K1A 0B1', email: 'john.smith@example.com' };
const SOPHIE = { accountNumber: '555000111222', postalCode: 'G1R 4P5', email: 'sophie.cote@example.com' };

describe('the OpenAPI description against the local stack', () => {
  let marie: string;
  let luc: string;
  let john: string;
  let resetToExpire = '';
  let activationToExpire = '';

  it('serves the description it was generated from (docs/openapi.json, local server at its own port)', async () => {
    const committed = JSON.parse(readFileSync(path.resolve(__dirname, '../../docs/openapi.json'), 'utf8'));
    expect({ ...doc, servers: undefined }).toEqual({ ...committed, servers: undefined });
    expect(doc.servers[0].url).toBe(service.url);
  });

  it('health', async () => {
    expect((await api('GET', '/v1/health')).status).toBe(200);
  });

  it('flow A: activation request, verify, availability, registration', async () => {
    const before = await mailCount();
    expect((await api('POST', '/v1/activation-requests', { body: { accountNumber: '123 456 789', postalCode: 'h2x 1y4' } })).status).toBe(202);
    // The common refusals of a body route.
    expect((await api('POST', '/v1/activation-requests', { body: {} })).body.error.fields.map((f: Json) => f.code)).toEqual(['FIELD_REQUIRED', 'FIELD_REQUIRED']);
    expect((await api('POST', '/v1/activation-requests', { body: { accountNumber: 12, postalCode: 'Z' } })).body.error.fields.map((f: Json) => f.code)).toEqual([
      'FIELD_TYPE_INVALID',
      'POSTAL_CODE_INVALID',
    ]);
    expect((await api('POST', '/v1/activation-requests', { body: '{"accountNumber":' })).body.error.code).toBe('MALFORMED_JSON');
    expect((await api('POST', '/v1/activation-requests', { body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await api('POST', '/v1/activation-requests', { body: { accountNumber: 'x'.repeat(17 * 1024) } })).status).toBe(413);
    expect((await api('POST', '/v1/activation-requests', { body: JOHN, headers: { 'idempotency-key': 'bad key!' } })).body.error.fields[0].code).toBe('IDEMPOTENCY_KEY_INVALID');
    expect((await api('POST', '/v1/activation-requests', { body: { accountNumber: '999999999', postalCode: 'H2X 1Y4' }, headers: { 'idempotency-key': 'conformance-1' } })).status).toBe(202);
    const replay = await api('POST', '/v1/activation-requests', { body: { accountNumber: '999999999', postalCode: 'H2X 1Y4' }, headers: { 'idempotency-key': 'conformance-1' } });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await api('POST', '/v1/activation-requests', { body: { accountNumber: '999999998', postalCode: 'H2X 1Y4' }, headers: { 'idempotency-key': 'conformance-1' } })).status).toBe(422);

    const token = await newTokenFor(MARIE.email, before);
    expect((await api('POST', '/v1/activations/verify', { body: { activationToken: token } })).body.purpose).toBe('holder');
    expect((await api('POST', '/v1/activations/verify', { body: { activationToken: 'not-a-token' } })).status).toBe(404);
    expect((await api('POST', '/v1/activations/verify', { body: { activationToken: '' } })).status).toBe(400);

    expect((await api('GET', '/v1/usernames/{username}/availability', { params: { username: 'marie.tremblay@example.com' } })).body.suggestions.length).toBeGreaterThan(0);
    expect((await api('GET', '/v1/usernames/{username}/availability', { params: { username: 'marie.tremblay' } })).body.available).toBe(true);

    const form = { activationToken: token, username: 'marie.tremblay', password: 'Boulang3rie' };
    expect((await api('POST', '/v1/registrations', { body: { ...form, accountNumber: MARIE.accountNumber } })).body.error.fields[0].code).toBe('FORM_AMBIGUOUS');
    expect((await api('POST', '/v1/registrations', { body: { ...form, username: 'a b', password: 'short' } })).status).toBe(400);
    expect((await api('POST', '/v1/registrations', { body: form })).status).toBe(201);
    expect((await api('POST', '/v1/registrations', { body: { ...form, username: 'another.name' } })).body.error.code).toBe('ACTIVATION_USED');
    expect((await api('GET', '/v1/usernames/{username}/availability', { params: { username: 'MARIE.TREMBLAY' } })).body.problems[0].code).toBe('USERNAME_TAKEN');
  });

  it('flow B: identity refusals, conflicts, lockout', async () => {
    const identity = (who: typeof JOHN, extra: Json = {}) => ({ ...who, username: 'john.smith', password: 'Northw1nd', ...extra });
    expect((await api('POST', '/v1/registrations', { body: identity(JOHN, { username: 'marie.tremblay' }) })).body.error.code).toBe('USERNAME_TAKEN');
    expect((await api('POST', '/v1/registrations', { body: identity(MARIE, { username: 'marie.other' }) })).body.error.code).toBe('ACCOUNT_ALREADY_REGISTERED');
    expect((await api('POST', '/v1/registrations', { body: identity(MARIE, { email: 'luc.gagnon@example.com' }) })).body.error.code).toBe('NOT_ACCOUNT_HOLDER');
    expect((await api('POST', '/v1/registrations', { body: identity(MARIE, { email: 'support@technoservices.example.com' }) })).body.error.code).toBe('TECHNICAL_USER_NOT_ELIGIBLE');
    expect((await api('POST', '/v1/registrations', { body: identity(JOHN) })).status).toBe(201);

    // Sophie's identity path: five failed checks, then locked.
    for (let i = 0; i < 5; i++) {
      expect((await api('POST', '/v1/registrations', { body: identity(SOPHIE, { email: 'someone@example.com', username: 'sophie.cote' }) })).body.error.code).toBe('IDENTITY_NOT_VERIFIED');
    }
    const locked = await api('POST', '/v1/registrations', { body: identity(SOPHIE, { username: 'sophie.cote' }) });
    expect(locked.body.error.code).toBe('TOO_MANY_ATTEMPTS');
  });

  it('sessions: sign-in, lockout, password change, sign-out', async () => {
    marie = (await api('POST', '/v1/sessions', { body: { username: 'Marie.Tremblay', password: 'Boulang3rie' } })).body.sessionToken;
    john = (await api('POST', '/v1/sessions', { body: { username: 'john.smith', password: 'Northw1nd' } })).body.sessionToken;
    expect((await api('POST', '/v1/sessions', { body: { username: 'marie.tremblay', password: 'Wrong1234' } })).body.error.code).toBe('INVALID_CREDENTIALS');
    expect((await api('POST', '/v1/sessions', { body: { username: 'marie.tremblay' } })).status).toBe(400);
    for (let i = 0; i < 5; i++) await api('POST', '/v1/sessions', { body: { username: 'nobody.at.all', password: 'Wrong1234' } });
    expect((await api('POST', '/v1/sessions', { body: { username: 'nobody.at.all', password: 'Wrong1234' } })).body.error.code).toBe('TOO_MANY_ATTEMPTS');

    const change = (token: string, body: Json) => api('PUT', '/v1/sessions/current/password', { body, headers: bearer(token) });
    expect((await change(john, { currentPassword: 'Northw1nd', newPassword: 'Chang3d99' })).status).toBe(204);
    expect((await change(john, { currentPassword: 'Chang3d99', newPassword: 'no digit' })).body.error.fields.map((f: Json) => f.code)).toEqual([
      'PASSWORD_DIGIT_REQUIRED',
      'PASSWORD_INVALID_CHARACTERS',
    ]);
    expect((await change('nope', { currentPassword: 'Chang3d99', newPassword: 'Other1234' })).body.error.code).toBe('UNAUTHENTICATED');
    for (let i = 0; i < 5; i++) expect((await change(john, { currentPassword: 'Wrong1234', newPassword: 'Other1234' })).body.error.code).toBe('INVALID_CREDENTIALS');
    expect((await change(john, { currentPassword: 'Chang3d99', newPassword: 'Other1234' })).body.error.code).toBe('TOO_MANY_ATTEMPTS');

    const spare = (await api('POST', '/v1/sessions', { body: { username: 'marie.tremblay', password: 'Boulang3rie' } })).body.sessionToken;
    expect((await api('DELETE', '/v1/sessions/current', { headers: bearer(spare) })).status).toBe(204);
    expect((await api('DELETE', '/v1/sessions/current', { headers: bearer(spare) })).status).toBe(401);
  });

  it('User Management: add, resend, list, remove, with their refusals', async () => {
    const users = (body?: unknown, token = marie) => api(body === undefined ? 'GET' : 'POST', '/v1/account/users', { body, headers: bearer(token) });
    let before = await mailCount();
    const lucAdded = await users({ name: 'Luc Gagnon', email: 'luc.gagnon@example.com', role: 'secondary' });
    expect(lucAdded.body.status).toBe('invited');
    const invitation = await newTokenFor('luc.gagnon@example.com', before);
    expect((await api('POST', '/v1/activations/verify', { body: { activationToken: invitation } })).body.purpose).toBe('secondary');
    expect((await api('POST', '/v1/registrations', { body: { activationToken: invitation, username: 'luc.gagnon', password: 'Gagnon2026' } })).status).toBe(201);
    luc = (await api('POST', '/v1/sessions', { body: { username: 'luc.gagnon', password: 'Gagnon2026' } })).body.sessionToken;

    const tech = await users({ name: 'TechnoServices', email: 'support@technoservices.example.com', role: 'technical' });
    expect(tech.body.status).toBe('no_online_access');
    expect((await users({ name: 'Luc Gagnon', email: 'luc.gagnon@example.com', role: 'secondary' })).body.error.code).toBe('USER_ALREADY_EXISTS');
    expect((await users({ name: 'Tech', email: 'support@technoservices.example.com', role: 'secondary' })).body.error.code).toBe('TECHNICAL_USER_NOT_ELIGIBLE');
    expect((await users({ name: '1234', email: 'x', role: 'secondary' })).body.error.fields.map((f: Json) => f.code)).toEqual(['NAME_INVALID', 'EMAIL_INVALID']);
    expect((await users({ name: 'Paul Roy', email: 'paul.roy@example.com', role: 'boss' })).body.error.fields.map((f: Json) => f.code)).toEqual(['ROLE_INVALID']);
    expect((await users({ name: 'Paul', email: 'paul@example.com', role: 'secondary' }, luc)).body.error.code).toBe('HOLDER_ONLY');
    expect((await users(undefined, luc)).body.error.code).toBe('HOLDER_ONLY');
    expect((await users(undefined, 'nope')).body.error.code).toBe('UNAUTHENTICATED');
    const listed = await users();
    expect(listed.body.users.map((u: Json) => u.role)).toEqual(['holder', 'secondary', 'technical']);

    const resend = (userId: string) => api('POST', '/v1/account/users/{userId}/invitation', { params: { userId }, headers: bearer(marie) });
    expect((await resend(lucAdded.body.userId)).body.error.code).toBe('ACCOUNT_ALREADY_REGISTERED');
    expect((await resend(tech.body.userId)).body.error.code).toBe('TECHNICAL_USER_NOT_ELIGIBLE');
    expect((await resend('AAAAAAAAAAAAAAAAAAAAAA')).body.error.code).toBe('USER_NOT_FOUND');
    before = await mailCount();
    const paul = await users({ name: 'Paul Roy', email: 'paul.roy@example.com', role: 'secondary' });
    expect((await resend(paul.body.userId)).status).toBe(202);
    expect((await resend(paul.body.userId)).status).toBe(202);
    const limited = await resend(paul.body.userId);
    expect(limited.body.error.code).toBe('TOO_MANY_INVITATIONS');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);

    const remove = (userId: string) => api('DELETE', '/v1/account/users/{userId}', { params: { userId }, headers: bearer(marie) });
    const holderId = listed.body.users[0].userId as string;
    expect((await remove(holderId)).body.error.code).toBe('CANNOT_REMOVE_HOLDER');
    expect((await remove(paul.body.userId)).status).toBe(204);
    expect((await remove(paul.body.userId)).body.error.code).toBe('USER_NOT_FOUND');
    expect(await mailCount()).toBeGreaterThan(before);
  });

  it('account recovery: reset link, username reminder', async () => {
    let before = await mailCount();
    expect((await api('POST', '/v1/password-resets', { body: { username: 'luc.gagnon' } })).status).toBe(202);
    expect((await api('POST', '/v1/password-resets', { body: { username: 42 } })).status).toBe(400);
    const reset = await newTokenFor('luc.gagnon@example.com', before, 'password-reset');
    expect((await api('POST', '/v1/password-resets/verify', { body: { resetToken: reset } })).body.username).toBe('luc.gagnon');
    expect((await api('POST', '/v1/password-resets/verify', { body: { resetToken: 'nope' } })).body.error.code).toBe('RESET_NOT_FOUND');
    expect((await api('POST', '/v1/password-resets/complete', { body: { resetToken: reset, password: 'short' } })).status).toBe(400);
    expect((await api('POST', '/v1/password-resets/complete', { body: { resetToken: reset, password: 'N3wPassword' } })).status).toBe(204);
    expect((await api('POST', '/v1/password-resets/complete', { body: { resetToken: reset, password: 'N3wPassword2' } })).body.error.code).toBe('RESET_USED');
    expect((await api('POST', '/v1/password-resets/complete', { body: { resetToken: 'nope', password: 'N3wPassword2' } })).body.error.code).toBe('RESET_NOT_FOUND');
    // The newer link revokes the older.
    before = await mailCount();
    await api('POST', '/v1/password-resets', { body: { username: 'luc.gagnon' } });
    const older = await newTokenFor('luc.gagnon@example.com', before, 'password-reset');
    before = await mailCount();
    await api('POST', '/v1/password-resets', { body: { username: 'luc.gagnon' } });
    const newer = await newTokenFor('luc.gagnon@example.com', before, 'password-reset');
    expect((await api('POST', '/v1/password-resets/verify', { body: { resetToken: older } })).body.error.code).toBe('RESET_REVOKED');
    resetToExpire = newer;

    expect((await api('POST', '/v1/username-reminders', { body: { accountNumber: MARIE.accountNumber, email: 'luc.gagnon@example.com' } })).status).toBe(202);
    expect((await api('POST', '/v1/username-reminders', { body: { accountNumber: 'abc', email: 'nope' } })).body.error.fields.map((f: Json) => f.code)).toEqual([
      'ACCOUNT_NUMBER_INVALID',
      'EMAIL_INVALID',
    ]);
  });

  it('Customer Service routes, with and without the agent key', async () => {
    const agent = { 'x-agent-key': service.agentKey };
    const send = (accountNumber: string, headers: Record<string, string> = agent) =>
      api('POST', '/v1/agent/accounts/{accountNumber}/activation-email', { params: { accountNumber }, headers });
    const before = await mailCount();
    expect((await send(SOPHIE.accountNumber)).status).toBe(202);
    const byAgent = await newTokenFor(SOPHIE.email, before);
    expect((await send(MARIE.accountNumber)).body.error.code).toBe('ACCOUNT_ALREADY_REGISTERED');
    expect((await send('999999999')).body.error.code).toBe('ACCOUNT_NOT_FOUND');
    expect((await send('abc')).body.error.fields[0].code).toBe('ACCOUNT_NUMBER_INVALID');
    expect((await send(SOPHIE.accountNumber, {})).body.error.code).toBe('UNAUTHENTICATED');
    // A repeat while the first still runs (the agent's call waits for the email to go out): sent
    // together, one runs and the other answers 409 — or, should the first end before the repeat
    // arrives, its replay; a few tries make sure the 409 is seen.
    let inProgress: Json | undefined;
    for (let attempt = 1; attempt <= 3 && !inProgress; attempt++) {
      const key = { ...agent, 'idempotency-key': `agent-conformance-${attempt}` };
      const pair = await Promise.all([send(SOPHIE.accountNumber, key), send(SOPHIE.accountNumber, key)]);
      expect(pair.map((r) => r.status)).toContain(202);
      inProgress = pair.find((r) => r.status === 409)?.body;
    }
    expect(inProgress?.error.code).toBe('REQUEST_IN_PROGRESS');

    // A newer email revokes the older one. Sent by an agent again: a self-service request could
    // be over the account's 3 emails a day, since each of the tries above emailed Sophie.
    const later = await mailCount();
    expect((await send(SOPHIE.accountNumber, { ...agent, 'idempotency-key': 'agent-conformance-newer' })).status).toBe(202);
    activationToExpire = await newTokenFor(SOPHIE.email, later);
    expect((await api('POST', '/v1/activations/verify', { body: { activationToken: byAgent } })).body.error.code).toBe('ACTIVATION_REVOKED');

    const status = (accountNumber: string, query = '') => api('GET', '/v1/agent/accounts/{accountNumber}/registration', { params: { accountNumber }, headers: agent, query });
    const sophie = await status(SOPHIE.accountNumber);
    expect(sophie.body.identityLockedUntil).toEqual(expect.any(String));
    expect(sophie.body.history.length).toBeGreaterThan(5);
    expect((await status(MARIE.accountNumber)).body.holder.registered).toBe(true);
    expect((await status(JOHN.accountNumber)).body.signInLockouts).toHaveLength(1);
    expect((await status(SOPHIE.accountNumber, '?cursor=bogus')).body.error.fields[0]).toMatchObject({ field: 'cursor', code: 'FIELD_TYPE_INVALID' });
    expect((await status('999999999')).status).toBe(404);

    const clear = (accountNumber: string) => api('DELETE', '/v1/agent/accounts/{accountNumber}/lockouts', { params: { accountNumber }, headers: agent });
    expect((await clear(SOPHIE.accountNumber)).status).toBe(204);
    expect((await clear('999999999')).status).toBe(404);
    expect((await clear('12')).status).toBe(400);
    expect((await api('DELETE', '/v1/agent/accounts/{accountNumber}/lockouts', { params: { accountNumber: SOPHIE.accountNumber }, headers: { 'x-agent-key': 'wrong' } })).status).toBe(401);
  });

  it('a failing dependency: 503 with Retry-After', async () => {
    expect((await call('POST', '/__dev/faults', { dynamodb: { mode: 'throttle', count: 100 } })).status).toBe(200);
    try {
      const refused = await api('POST', '/v1/activations/verify', { body: { activationToken: activationToExpire } });
      expect(refused.body.error.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await call('POST', '/__dev/faults', { dynamodb: null });
    }
  });

  it('expired links, once the service clock moved five days', async () => {
    expect((await call('POST', '/__dev/clock', { advanceSeconds: 432_000 })).status).toBe(200);
    expect((await api('POST', '/v1/activations/verify', { body: { activationToken: activationToExpire } })).body.error.code).toBe('ACTIVATION_EXPIRED');
    expect((await api('POST', '/v1/registrations', { body: { activationToken: activationToExpire, username: 'sophie.cote', password: 'Sophie2026' } })).body.error.code).toBe('ACTIVATION_EXPIRED');
    expect((await api('POST', '/v1/password-resets/verify', { body: { resetToken: resetToExpire } })).body.error.code).toBe('RESET_EXPIRED');
    expect((await api('POST', '/v1/password-resets/complete', { body: { resetToken: resetToExpire, password: 'N3wPassword' } })).body.error.code).toBe('RESET_EXPIRED');
    // Sessions last eight hours.
    expect((await api('GET', '/v1/account/users', { headers: bearer(marie) })).body.error.code).toBe('UNAUTHENTICATED');
  });

  it('username availability: at most 60 checks a minute per client address', async () => {
    let refused: Awaited<ReturnType<typeof api>> | undefined;
    // The limit counts per calendar minute: a run that straddles a minute's end starts over, so
    // keep asking (61 in one minute is bound to happen well before 181).
    for (let i = 0; i < 181 && !refused; i++) {
      const answer = await api('GET', '/v1/usernames/{username}/availability', { params: { username: `someone.${i}` } });
      if (answer.status === 429) refused = answer;
    }
    expect(refused?.body.error.code).toBe('TOO_MANY_REQUESTS');
  });

  it('unknown paths and methods answer as components.responses describe', async () => {
    const unknown = await call('GET', '/v1/nothing-here');
    checkDocumented('GET', '/v1/nothing-here', unknown, doc.components.responses.NotFound);
    const wrongMethod = await call('PATCH', '/v1/registrations');
    checkDocumented('PATCH', '/v1/registrations', wrongMethod, doc.components.responses.MethodNotAllowed);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('drove every route through its success and at least one refusal', () => {
    for (const route of routes) {
      const statuses = [...observed].filter((entry) => entry.startsWith(`${route.method} ${route.path} `)).map((entry) => Number(entry.split(' ')[2]));
      expect([route.path, statuses.some((s) => s < 300)]).toEqual([route.path, true]);
      if (route.handler !== 'health') expect([route.path, statuses.some((s) => s >= 400)]).toEqual([route.path, true]);
    }
  });
});

describe('the rendered reference', () => {
  it('serves /openapi.json as JSON and /api-reference as an HTML page with its files, from this server only', async () => {
    const json = await fetch(`${service.url}/openapi.json`);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await json.json()).openapi).toBe('3.1.0');

    const page = await fetch(`${service.url}/api-reference`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.every((asset) => asset.startsWith('/'))).toBe(true);
    for (const asset of assets) {
      const answer = await fetch(`${service.url}${asset}`);
      expect([asset, answer.status]).toEqual([asset, 200]);
    }
    expect(html).not.toMatch(/<script>(?!<\/script>)/);
  });
});
