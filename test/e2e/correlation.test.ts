import { jsonClient, startService, type Json, type RunningService } from './local-stack';

/**
 * One correlation id from an activation request to its email, read from the logs of `npm start`
 * as CloudWatch would get them (JSON lines: stdout is not a terminal here). The stack logs at
 * INFO for this test only; its output is kept in memory and never printed.
 */
let service: RunningService;
beforeAll(async () => {
  service = await startService({ POWERTOOLS_LOG_LEVEL: 'INFO' });
});
afterAll(() => service.stop());

const call = jsonClient(() => service.url);
const HOLDER_EMAIL = 'marie.tremblay@example.com';
const PASSWORD = 'Boulang3rie';

/** Every JSON line the stack printed: Powertools log entries and EMF metrics. */
function jsonLines(): Json[] {
  return service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Json];
      } catch {
        return [];
      }
    });
}
const logsOf = (correlationId: string) => jsonLines().filter((entry) => entry.correlation_id === correlationId);

async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
const mailTo = (match: (m: Json) => boolean) =>
  eventually('the email', async () => ((await call('GET', '/__dev/outbox')).body.messages as Json[]).find(match));
/** The line of `functionName` saying `message` with this correlation id, once it was printed. */
const lineOf = (correlationId: string, functionName: string, message: string) =>
  eventually(`"${message}" from ${functionName}`, () =>
    logsOf(correlationId).find((entry) => entry.function_name === functionName && entry.message === message),
  );

describe('correlation id from request to email', () => {
  it('follows one id from the activation request through every workflow step to each email sent', async () => {
    const requested = await call('POST', '/v1/activation-requests', { accountNumber: '123 456 789', postalCode: 'h2x 1y4' });
    expect(requested.status).toBe(202);
    const id = requested.headers.get('x-correlation-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const activation = await mailTo((m) => m.to[0] === HOLDER_EMAIL && /activation/.test(m.subject));
    const token = /#token=([A-Za-z0-9_-]+)/.exec(activation.text)![1]!;

    // The API handler, then IssueActivation with its email, then AwaitRegistration.
    expect(await lineOf(id, 'request-activation', 'request handled')).toMatchObject({ route: '/v1/activation-requests', statusCode: 202 });
    expect(await lineOf(id, 'issue-activation', 'email sent')).toMatchObject({ emailKind: 'activation', messageId: activation.id });
    expect(await lineOf(id, 'issue-activation', 'workflow step done')).toMatchObject({ outcome: 'sent' });
    await lineOf(id, 'await-registration', 'workflow step done');

    // The registration is a request of its own; the confirmation it resumes is still the activation's execution.
    const registered = await call('POST', '/v1/registrations', { activationToken: token, username: 'marie.tremblay', password: PASSWORD });
    expect(registered.status).toBe(201);
    const registrationId = registered.headers.get('x-correlation-id')!;
    expect(registrationId).not.toBe(id);
    expect(await lineOf(registrationId, 'register', 'request handled')).toMatchObject({ route: '/v1/registrations', statusCode: 201 });

    const confirmation = await mailTo((m) => m.to[0] === HOLDER_EMAIL && m.subject.startsWith('Votre compte en ligne a été créé'));
    expect(await lineOf(id, 'send-confirmation', 'email sent')).toMatchObject({ emailKind: 'confirmation', messageId: confirmation.id });
    await lineOf(id, 'send-confirmation', 'workflow step done');

    // Every line of this id came from these functions, and none from another request.
    const functions = new Set(logsOf(id).map((entry) => entry.function_name));
    expect([...functions].sort()).toEqual(['await-registration', 'issue-activation', 'request-activation', 'send-confirmation']);

    // The business metrics of this flow, as EMF lines in the dashboard's namespace.
    const metrics = jsonLines().filter((entry) => entry._aws?.CloudWatchMetrics?.[0]?.Namespace === 'RegistrationService');
    expect(metrics.find((m) => m.ActivationEmailsRequested === 1)).toMatchObject({ Channel: 'self-service', service: 'registration' });
    expect(metrics.some((m) => m.ActivationEmailsSent === 1)).toBe(true);
    expect(metrics.filter((m) => m.EmailsSent === 1).length).toBeGreaterThanOrEqual(2);
    expect(metrics.find((m) => m.Registrations === 1)).toMatchObject({ Path: 'token-holder' });

    // Nothing personal or secret in any line the stack printed.
    const output = service.output();
    for (const secret of [HOLDER_EMAIL, token, PASSWORD, 'H2X 1Y4', 'H2X1Y4', 'h2x 1y4']) expect(output.toLowerCase()).not.toContain(secret.toLowerCase());
  });

  it("keeps a caller's well-formed X-Correlation-Id and replaces a malformed one", async () => {
    const chosen = 'portal-5f1c2e9a-0001';
    const kept = await call('POST', '/v1/activation-requests', { accountNumber: '987654321', postalCode: 'K1A 0B1' }, { 'x-correlation-id': chosen });
    expect(kept.headers.get('x-correlation-id')).toBe(chosen);
    await mailTo((m) => m.to[0] === 'john.smith@example.com');
    expect(await lineOf(chosen, 'issue-activation', 'email sent')).toMatchObject({ emailKind: 'activation' });

    // A replayed answer (same Idempotency-Key) is another request: it carries its own id.
    const body = { accountNumber: '555000111222', postalCode: 'G1R 4P5' };
    const first = await call('POST', '/v1/activation-requests', body, { 'idempotency-key': 'form-corr-1', 'x-correlation-id': 'portal-first-0001' });
    const replay = await call('POST', '/v1/activation-requests', body, { 'idempotency-key': 'form-corr-1', 'x-correlation-id': 'portal-retry-0002' });
    expect([first.status, replay.status, replay.headers.get('idempotent-replayed')]).toEqual([202, 202, 'true']);
    expect(replay.headers.get('x-correlation-id')).toBe('portal-retry-0002');
    expect(await lineOf('portal-retry-0002', 'request-activation', 'request handled')).toMatchObject({ replayed: true, statusCode: 202 });

    for (const malformed of ['short', 'john.smith@example.com', 'a b c d e f g h', 'x'.repeat(65)]) {
      const answer = await call('GET', '/v1/health', undefined, { 'x-correlation-id': malformed });
      const id = answer.headers.get('x-correlation-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(service.output()).not.toContain(malformed === 'short' ? '"short"' : malformed);
    }
  });
});
