import { jsonClient, startService, type Json, type RunningService } from './local-stack';

/**
 * Parallel bursts over HTTP against `npm start`, as an attacker or a double-clicking customer
 * sends them: lockouts let at most five checks through, races have exactly one winner, and no
 * request gets a 5xx.
 */
let service: RunningService;
beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.stop());

const call = jsonClient(() => service.url);

/** How many answers had each `status code` pair. */
function tally(responses: { status: number; body: Json }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status, body } of responses) {
    const key = `${status} ${body?.error?.code ?? 'ok'}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

async function waitForMail(to: string): Promise<Json> {
  for (let i = 0; i < 200; i++) {
    const found = ((await call('GET', '/__dev/outbox')).body.messages as Json[]).find((m) => m.to[0] === to);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail to ${to}`);
}

describe('parallel bursts', () => {
  it('100 wrong passwords at once: 5 checked (401), 95 refused unchecked (429 with Retry-After); then the right one waits too', async () => {
    const holder = { accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', username: 'marie.tremblay', password: 'Boulang3rie' };
    expect((await call('POST', '/v1/registrations', holder)).status).toBe(201);
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => call('POST', '/v1/sessions', { username: 'marie.tremblay', password: `Wrong${i}pass` })),
    );
    expect(tally(responses)).toEqual({ '401 INVALID_CREDENTIALS': 5, '429 TOO_MANY_ATTEMPTS': 95 });
    const retryAfter = new Set(responses.filter((r) => r.status === 429).map((r) => Number(r.headers.get('retry-after'))));
    expect([...retryAfter].every((seconds) => seconds > 0 && seconds <= 900)).toBe(true);
    const right = await call('POST', '/v1/sessions', { username: 'marie.tremblay', password: 'Boulang3rie' });
    expect([right.status, right.body.error?.code]).toEqual([429, 'TOO_MANY_ATTEMPTS']);
  });

  it('100 wrong identities for one account at once: 5 checked (403), 95 refused unchecked (429)', async () => {
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        call('POST', '/v1/registrations', {
          accountNumber: '987654321', postalCode: 'K1A 0B1', email: `guess.${i}@example.com`, username: 'john.smith', password: 'Northw1nd',
        }),
      ),
    );
    expect(tally(responses)).toEqual({ '403 IDENTITY_NOT_VERIFIED': 5, '429 TOO_MANY_ATTEMPTS': 95 });
  });

  it('50 registrations with one activation token at once: one 201, 49 × 410 ACTIVATION_USED', async () => {
    expect((await call('POST', '/v1/activation-requests', { accountNumber: '555000111222', postalCode: 'G1R 4P5' })).status).toBe(202);
    const token = /#token=([A-Za-z0-9_-]+)/.exec((await waitForMail('sophie.cote@example.com')).text)![1]!;
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call('POST', '/v1/registrations', { activationToken: token, username: `sophie.cote.${i}`, password: 'Mobil1te' })),
    );
    expect(tally(responses)).toEqual({ '201 ok': 1, '410 ACTIVATION_USED': 49 });
  });
});
