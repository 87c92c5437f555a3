import { randomBytes, randomInt } from 'node:crypto';
import { routes } from '../../shared/http/routes';
import { jsonClient, startService, type RunningService } from './local-stack';

/**
 * No client input may produce a 5xx: every route gets odd bodies, odd path parameters, odd
 * headers — huge strings, wrong types, control characters, nested objects — a bounded number
 * of times, and must answer with a 4xx or a success.
 */
let service: RunningService;
let holderSession = '';
beforeAll(async () => {
  service = await startService({ AGENT_API_KEY: 'fuzz-key' });
  await call('POST', '/v1/registrations', {
    accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', username: 'marie.tremblay', password: 'Boulang3rie',
  });
  holderSession = (await call('POST', '/v1/sessions', { username: 'marie.tremblay', password: 'Boulang3rie' })).body.sessionToken;
});
afterAll(() => service.stop());
const call = jsonClient(() => service.url);

const strings = [
  '',
  ' ',
  'a'.repeat(3000),
  'é'.repeat(700),
  '\u0000\u0007\n\t',
  '../../etc/passwd',
  '%00%ZZ',
  '"; DROP TABLE users; --',
  '😀'.repeat(40),
  '123456789',
  'H2X 1Y4',
  'x@example.com',
  'Bearer ' + 'A'.repeat(65),
];
function oddValue(depth = 0): unknown {
  switch (randomInt(depth > 1 ? 6 : 8)) {
    case 0:
      return strings[randomInt(strings.length)];
    case 1:
      return randomBytes(randomInt(1, 200)).toString(randomInt(2) ? 'base64url' : 'latin1');
    case 2:
      return randomInt(2) ? -1e308 : 42;
    case 3:
      return null;
    case 4:
      return randomInt(2) === 1;
    case 5:
      return strings[randomInt(strings.length)]!.repeat(randomInt(1, 5));
    case 6:
      return [oddValue(depth + 1), oddValue(depth + 1)];
    default:
      return { nested: oddValue(depth + 1) };
  }
}
const fieldNames = ['accountNumber', 'postalCode', 'email', 'username', 'password', 'activationToken', 'name', 'role', 'advanceSeconds'];
function oddBody(): unknown {
  const body: Record<string, unknown> = {};
  for (const name of fieldNames) if (randomInt(3) > 0) body[name] = oddValue();
  return randomInt(10) === 0 ? oddValue() : body;
}
function oddPath(template: string): string {
  return template.replace(/\{\w+\}/g, () => encodeURIComponent(String(strings[randomInt(strings.length)]) || 'x'));
}

describe('no client input produces a 5xx', () => {
  // Signing out would end the shared session: that route runs last.
  const ordered = [...routes].sort((a, b) => Number(a.handler === 'sign-out') - Number(b.handler === 'sign-out'));
  it.each(ordered.map((route) => [route.method, route.path] as const))('%s %s', async (method, path) => {
    const statuses = new Set<number>();
    for (let i = 0; i < 25; i++) {
      const headers: Record<string, string> = { 'x-agent-key': 'fuzz-key' };
      // Half the calls of session routes are signed in as the holder, so their bodies get checked too.
      if (randomInt(2)) headers.authorization = `Bearer ${holderSession}`;
      else if (randomInt(2)) headers.authorization = String(strings[randomInt(strings.length)]).replace(/[^\x20-\x7e]/g, '');
      if (randomInt(4) === 0) headers['accept-language'] = 'en;q=abc, ,;;';
      const response = await call(method, oddPath(path), method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify(oddBody()), headers);
      statuses.add(response.status);
      expect(response.status).toBeLessThan(500);
      expect(response.body?.error?.code ?? 'ok').toMatch(/^[A-Z_]+$|^ok$/);
    }
    expect(statuses.size).toBeGreaterThan(0);
  });
});
