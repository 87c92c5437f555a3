import { connect } from 'node:net';
import { jsonClient, startService, type Json, type RunningService } from './local-stack';

/**
 * Flow A over HTTP against `npm start`, exactly as the portal's front end and a customer use it:
 * request → read the mail → verify → check the username → register → confirmation.
 */
let service: RunningService;
beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.stop());

const call = jsonClient(() => service.url);
const outbox = async () => (await call('GET', '/__dev/outbox')).body.messages as Json[];
async function waitForMail(match: (m: Json) => boolean): Promise<Json> {
  for (let i = 0; i < 200; i++) {
    const found = (await outbox()).find(match);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no such mail');
}
const tokenOf = (mail: Json) => /#token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;

describe('flow A end to end', () => {
  it('registers the holder from the activation email and confirms by email', async () => {
    expect(await call('GET', '/v1/health')).toMatchObject({ status: 200, body: { status: 'ok' } });

    const requested = await call('POST', '/v1/activation-requests', { accountNumber: '123 456 789', postalCode: 'h2x 1y4' });
    expect(requested).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const mail = await waitForMail((m) => m.to[0] === 'marie.tremblay@example.com' && m.subject.includes('activation'));
    expect(mail.text).toContain(`${service.url}/activation#token=`);
    expect(mail.html).toContain('/activation#token=');
    expect(mail.text).toContain('heure de Montréal');
    expect(mail.text).toContain('1 800 555-0100');
    const token = tokenOf(mail);

    const verified = await call('POST', '/v1/activations/verify', { activationToken: token });
    expect(verified).toMatchObject({ status: 200, body: { status: 'valid', purpose: 'holder', account: { accountNumberMasked: '••••••789' } } });
    expect(Date.parse(verified.body.expiresAt) - Date.parse(mail.sentAt)).toBeGreaterThanOrEqual(431_999_000);
    expect((await call('POST', '/v1/activations/verify', { activationToken: token })).status).toBe(200);

    const availability = await call('GET', '/v1/usernames/marie.tremblay@example.com/availability');
    expect(availability.body).toMatchObject({ valid: false, available: false, suggestions: ['marie.tremblay', 'marie.tremblay.example', 'marie.tremblay.example.1'] });

    const registered = await call('POST', '/v1/registrations', { activationToken: token, username: 'Marie.Tremblay', password: 'Boulang3rie' });
    expect(registered).toMatchObject({ status: 201, body: { username: 'Marie.Tremblay', role: 'holder', accountNumberMasked: '••••••789' } });
    const confirmation = await waitForMail((m) => m.subject.startsWith('Votre compte en ligne a été créé'));
    expect(confirmation.to).toEqual(['marie.tremblay@example.com']);

    expect((await call('POST', '/v1/registrations', { activationToken: token, username: 'autre.nom.x', password: 'abc123' })).body.error.code).toBe('ACTIVATION_USED');
    expect((await call('GET', '/v1/usernames/MARIE.TREMBLAY/availability')).body).toMatchObject({ available: false });

    // The holder has a login now: a new request sends a notice, with no token.
    await call('POST', '/v1/activation-requests', { accountNumber: '123456789', postalCode: 'H2X1Y4' });
    const notice = await waitForMail((m) => m.subject.startsWith('Vous avez déjà un compte en ligne'));
    expect(notice.text).not.toContain('token=');
  });

  it('answers the same 202 for unknown accounts and wrong postal codes, and sends nothing', async () => {
    const before = (await outbox()).length;
    for (const body of [{ accountNumber: '999999999', postalCode: 'H2X 1Y4' }, { accountNumber: '987654321', postalCode: 'H2X 1Y4' }]) {
      expect(await call('POST', '/v1/activation-requests', body)).toMatchObject({ status: 202, body: { status: 'accepted' } });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await outbox()).length).toBe(before);
  });

  it('refuses an activation 432,000 s after it was sent, with the Customer Service message', async () => {
    await call('POST', '/v1/activation-requests', { accountNumber: '987654321', postalCode: 'K1A 0B1' });
    const mail = await waitForMail((m) => m.to[0] === 'john.smith@example.com');
    expect(mail.subject).toContain('activation email');
    const token = tokenOf(mail);
    const advanced = await call('POST', '/__dev/clock', { advanceSeconds: 432_000 });
    expect(advanced.status).toBe(200);
    const refused = await call('POST', '/v1/registrations', { activationToken: token, username: 'john.smith', password: 'abc123' }, { 'accept-language': 'en' });
    expect(refused).toMatchObject({ status: 410, body: { error: { code: 'ACTIVATION_EXPIRED' } } });
    expect(refused.body.error.message).toContain('Customer Service');
  });

  it('sends at most 3 activation emails per account per rolling 24 hours', async () => {
    const count = async () => (await outbox()).filter((m) => m.to[0] === 'sophie.cote@example.com').length;
    for (let i = 0; i < 5; i++) await call('POST', '/v1/activation-requests', { accountNumber: '555000111222', postalCode: 'G1R 4P5' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await count()).toBe(3);
    await call('POST', '/__dev/clock', { advanceSeconds: 86_400 });
    await call('POST', '/v1/activation-requests', { accountNumber: '555000111222', postalCode: 'G1R 4P5' });
    for (let i = 0; i < 40 && (await count()) < 4; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await count()).toBe(4);
  });
});

describe('HTTP contract', () => {
  it.each([
    ['GET', '/v1/nothing-here', 404, 'NOT_FOUND', undefined, {}],
    ['DELETE', '/v1/health', 405, 'METHOD_NOT_ALLOWED', undefined, {}],
    ['POST', '/v1/registrations', 400, 'MALFORMED_JSON', '{"a":', {}],
    ['POST', '/v1/activations/verify', 415, 'UNSUPPORTED_MEDIA_TYPE', 'token=x', { 'content-type': 'text/plain' }],
    ['POST', '/v1/activation-requests', 413, 'PAYLOAD_TOO_LARGE', JSON.stringify({ accountNumber: 'x'.repeat(17_000) }), {}],
    ['POST', '/v1/activations/verify', 404, 'ACTIVATION_NOT_FOUND', { activationToken: 'not-a-token' }, {}],
  ])('%s %s → %i %s', async (method, path, status, code, body, headers) => {
    const response = await call(method as string, path as string, body, headers as Record<string, string>);
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
  });

  it('shrugs off a client gone before its body ended: nothing reported, the next requests answered', async () => {
    const { port } = new URL(service.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /v1/activations/verify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"activ');
        // Gone once the server has the head and part of the body.
        setTimeout(() => socket.destroy(), 100);
      });
      socket.once('close', () => resolve());
      socket.once('error', reject);
    });
    const after = await call('POST', '/v1/activations/verify', { activationToken: 'not-a-token' });
    expect(after.status).toBe(404);
    expect(service.output()).not.toContain('local API error');
  });

  it('reports every field problem at once, in English on request', async () => {
    const response = await call('POST', '/v1/activation-requests', { accountNumber: '12', postalCode: 12 }, { 'accept-language': 'en' });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [
        { field: 'accountNumber', code: 'ACCOUNT_NUMBER_INVALID', message: 'The account number has 9 to 12 digits.' },
        { field: 'postalCode', code: 'FIELD_TYPE_INVALID' },
      ],
    });
  });

  it('limits username availability checks to 60 a minute per client', async () => {
    // The limit counts per clock minute: start at the top of a minute so all 61 calls share one.
    const now = Date.parse((await call('GET', '/__dev/info')).body.now);
    await call('POST', '/__dev/clock', { advanceSeconds: 60 - (Math.floor(now / 1000) % 60) });
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await call('GET', `/v1/usernames/some.user.${i}/availability`)).status);
    expect(statuses.slice(0, 60).every((status) => status === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const limited = await call('GET', '/v1/usernames/some.user/availability');
    expect(limited.body.error.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('describes the local stack on /__dev/info', async () => {
    const info = await call('GET', '/__dev/info');
    expect(info.body).toMatchObject({ dynamodb: { endpoint: expect.stringMatching(/^http/), region: expect.any(String), tables: [expect.any(String)] }, ses: { endpoint: expect.stringMatching(/^http/) } });
    expect(Date.parse(info.body.now)).not.toBeNaN();
  });
});
