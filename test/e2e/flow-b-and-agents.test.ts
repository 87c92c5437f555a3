import { LOCAL_AGENT_ARN } from '../../infra/local/http-server';
import { jsonClient, startService, type Json, type RunningService } from './local-stack';

/** Flow B and the Customer Service agent routes over HTTP, against `npm start`. */
let service: RunningService;
const AGENT_KEY = 'e2e-agent-key';
beforeAll(async () => {
  service = await startService({ AGENT_API_KEY: AGENT_KEY });
});
afterAll(() => service.stop());

const call = jsonClient(() => service.url);
const agent = { 'x-agent-key': AGENT_KEY };
const identity = (overrides: Json = {}) => ({
  accountNumber: '987 654 321',
  postalCode: 'k1a 0b1',
  email: 'John.Smith@example.com',
  username: 'john.smith',
  password: 'Northw1nd',
  ...overrides,
});

describe('flow B: registration without an activation email', () => {
  it('refuses other people with the right code and locks after five failures, on the service clock', async () => {
    const codes = [];
    for (const overrides of [{ email: 'nobody@example.com' }, { postalCode: 'H2X 1Y4' }, { accountNumber: '111111111' }]) {
      const response = await call('POST', '/v1/registrations', identity(overrides));
      expect(response.status).toBe(403);
      codes.push(response.body.error.code);
    }
    expect(codes).toEqual(['IDENTITY_NOT_VERIFIED', 'IDENTITY_NOT_VERIFIED', 'IDENTITY_NOT_VERIFIED']);
    for (let i = 0; i < 3; i++) await call('POST', '/v1/registrations', identity({ email: 'nobody@example.com' }));
    const locked = await call('POST', '/v1/registrations', identity());
    expect(locked).toMatchObject({ status: 429, body: { error: { code: 'TOO_MANY_ATTEMPTS' } } });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(3500);

    const status = await call('GET', '/v1/agent/accounts/987654321/registration', undefined, agent);
    expect(status.body.identityLockedUntil).not.toBeNull();
    expect(status.body.history.map((e: Json) => e.type)).toContain('identity-locked');

    await call('POST', '/__dev/clock', { advanceSeconds: 3600 });
    const registered = await call('POST', '/v1/registrations', identity());
    expect(registered).toMatchObject({ status: 201, body: { username: 'john.smith', role: 'holder', accountNumberMasked: '••••••321' } });
    expect((await call('POST', '/v1/registrations', identity({ username: 'john.smith.2' }))).body.error.code).toBe('ACCOUNT_ALREADY_REGISTERED');
  });

  it('tells a secondary user to ask the holder, and keeps technical users out', async () => {
    const base = { accountNumber: '123456789', postalCode: 'H2X 1Y4', username: 'someone.else', password: 'abc123' };
    const secondary = await call('POST', '/v1/registrations', { ...base, email: 'luc.gagnon@example.com' }, { 'accept-language': 'en' });
    expect(secondary).toMatchObject({ status: 403, body: { error: { code: 'NOT_ACCOUNT_HOLDER' } } });
    expect(secondary.body.error.message).toContain('User Management');
    const technical = await call('POST', '/v1/registrations', { ...base, email: 'support@technoservices.example.com' });
    expect(technical).toMatchObject({ status: 403, body: { error: { code: 'TECHNICAL_USER_NOT_ELIGIBLE' } } });
  });

  it('refuses a body that mixes the token form and the identity form', async () => {
    const response = await call('POST', '/v1/registrations', { ...identity(), activationToken: 'abc' });
    expect(response.status).toBe(400);
    expect(response.body.error.fields[0].code).toBe('FORM_AMBIGUOUS');
  });

  it('never answers 5xx to parallel guessing across many accounts', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call('POST', '/v1/registrations', identity({ accountNumber: String(300000000 + (i % 8)), username: `guess.user.${i}` })).then((r) => r.status),
      ),
    );
    expect(statuses.every((s) => s === 403 || s === 429)).toBe(true);
  });
});

describe('agent routes', () => {
  it('refuse calls without the agent key', async () => {
    expect((await call('POST', '/v1/agent/accounts/123456789/activation-email')).status).toBe(401);
  });
  it('send an activation email past the self-service limit and show it in the status', async () => {
    const sent = await call('POST', '/v1/agent/accounts/555 000 111 222/activation-email', undefined, agent);
    expect(sent).toMatchObject({ status: 202, body: { status: 'sent' } });
    expect(Date.parse(sent.body.expiresAt)).toBeGreaterThan(Date.now());
    const status = await call('GET', '/v1/agent/accounts/555000111222/registration', undefined, agent);
    expect(status.body).toMatchObject({ holder: { registered: false }, pendingActivation: { status: 'pending', expiresAt: sent.body.expiresAt } });
    // The calling agent is on record (IAM principal on AWS; a fixed local identity here).
    expect(status.body.history[0]).toMatchObject({ type: 'activation-sent', channel: 'agent', agent: LOCAL_AGENT_ARN });
  });
  it('answer 404 ACCOUNT_NOT_FOUND and 409 ACCOUNT_ALREADY_REGISTERED', async () => {
    expect((await call('POST', '/v1/agent/accounts/999999999/activation-email', undefined, agent)).body.error.code).toBe('ACCOUNT_NOT_FOUND');
    expect((await call('GET', '/v1/agent/accounts/999999999/registration', undefined, agent)).status).toBe(404);
    const registered = await call('POST', '/v1/agent/accounts/987654321/activation-email', undefined, agent);
    expect(registered).toMatchObject({ status: 409, body: { error: { code: 'ACCOUNT_ALREADY_REGISTERED' } } });
  });
});
