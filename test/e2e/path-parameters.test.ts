import { jsonClient, startService, type Json, type RunningService } from './local-stack';

/** Path parameters reach the handlers percent-encoded, as API Gateway REST passes them, and are decoded once. */
let service: RunningService;
beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.stop());

const call = jsonClient(() => service.url);
const codes = (problems: Json[]) => problems.map((p) => p.code);

describe('path parameters', () => {
  it('decodes an encoded @ in a username once, refuses it by name and suggests from what was typed', async () => {
    const response = await call('GET', '/v1/usernames/marie%40example.com/availability', undefined, { 'accept-language': 'en' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ username: 'marie@example.com', valid: false, available: false });
    const invalid = response.body.problems.find((p: Json) => p.code === 'USERNAME_INVALID_CHARACTERS');
    expect(invalid.message).toContain('@');
    expect(response.body.suggestions.length).toBeGreaterThan(0);
    for (const suggestion of response.body.suggestions) expect(suggestion).toContain('marie');
  });

  it('decodes encoded spaces in an agent route’s account number', async () => {
    const response = await call('GET', '/v1/agent/accounts/555%20000%20111%20222/registration', undefined, { 'x-agent-key': service.agentKey });
    expect(response).toMatchObject({ status: 200, body: { accountNumber: '555000111222' } });
  });

  it('keeps a malformed escape as typed and refuses its %, never a 5xx', async () => {
    const malformed = await call('GET', '/v1/usernames/marie.tremblay%E0%A4%A/availability');
    expect(malformed.status).toBe(200);
    expect(codes(malformed.body.problems)).toEqual(['USERNAME_INVALID_CHARACTERS']);
    expect(malformed.body.problems[0].message).toContain('%');

    // `%E0%A4%Ad` is well formed (U+092D); `%ZZ` and a lone `%` are not.
    const answers = [];
    for (const segment of ['abc%E0%A4%Adef', '%ZZ', '%']) {
      const response = await call('GET', `/v1/usernames/${segment}/availability`);
      answers.push({ status: response.status, username: response.body.username, codes: codes(response.body.problems ?? []) });
    }
    const refused = ['USERNAME_TOO_SHORT', 'USERNAME_INVALID_CHARACTERS'];
    expect(answers).toEqual([
      { status: 200, username: 'abc\u092Def', codes: refused },
      { status: 200, username: '%ZZ', codes: refused },
      { status: 200, username: '%', codes: refused },
    ]);
  });

  it('decodes only once: an encoded percent sign stays a percent sign', async () => {
    const response = await call('GET', '/v1/usernames/marie%2540example.com/availability');
    expect(response).toMatchObject({ status: 200, body: { username: 'marie%40example.com' } });
    expect(response.body.problems[0].message).toContain('%');
    expect(response.body.problems[0].message).not.toContain('@');
  });
});
