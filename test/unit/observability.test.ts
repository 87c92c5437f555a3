// First: the logger must be created at INFO (see the fixture).
import { restoreLogLevel } from '../fixtures/log-at-info';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { formatLogLine } from '../../infra/local/log-format';
import { httpHandler } from '../../shared/http/http-handler';
import { AppError } from '../../shared/domain/errors';
import type { SNSEvent } from 'aws-lambda';
import { emailFeedbackHandler } from '../../shared/events/email-feedback-handler';
import { correlationIdOf, correlationIdOfSesEvent, isWellFormedCorrelationId } from '../../shared/observability/correlation';
import { bounceEvent } from '../fixtures/ses-events';
import { metricOf } from '../../shared/observability/metric-names';
import { workflowHandler } from '../../shared/workflow/task-handler';

afterAll(restoreLogLevel);

const context = { functionName: 'unit', awsRequestId: 'r-1', invokedFunctionArn: 'arn:aws:lambda:ca-central-1:1:function:unit' } as Context;

/** The JSON lines the Powertools logger and metrics print while `run` runs, at INFO. */
async function printed(run: () => Promise<unknown>): Promise<Record<string, any>[]> {
  const lines: string[] = [];
  const write = process.stdout.write;
  const writeErr = process.stderr.write;
  const capture = ((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  try {
    await run();
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
  return lines.flatMap((chunk) => chunk.split('\n')).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

const apiEvent = (headers: Record<string, string>, requestId = 'api-request-0001'): APIGatewayProxyEvent =>
  ({
    httpMethod: 'GET',
    path: '/v1/usernames/marie@example.com/availability',
    resource: '/v1/usernames/{username}/availability',
    headers,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId, identity: { sourceIp: '127.0.0.1' } },
  }) as unknown as APIGatewayProxyEvent;

describe('correlation ids', () => {
  it.each(['0f8fc1f2-9c0e-4a7e-8a37-0b1f0e6a5d11', 'portal.session:42-abc', 'ABCDEFGH'])('accepts %s', (id) => {
    expect(isWellFormedCorrelationId(id)).toBe(true);
  });
  it.each(['short', 'x'.repeat(65), 'marie@example.com', 'has space here', 'line\nbreak12', '-leading-dash', undefined, 42])('refuses %j', (id) => {
    expect(isWellFormedCorrelationId(id)).toBe(false);
  });
  it("takes the caller's id when well-formed, else the request id, else a fresh UUID", () => {
    expect(correlationIdOf('caller-chosen-1', 'req-00000001')).toBe('caller-chosen-1');
    expect(correlationIdOf('bad id', 'req-00000001')).toBe('req-00000001');
    expect(correlationIdOf(undefined, undefined)).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('httpHandler correlation', () => {
  const handler = httpHandler({ body: false }, async () => ({ statusCode: 200, body: { ok: true } }));
  const failing = httpHandler({ body: false }, async () => {
    throw new Error('boom');
  });

  it('answers the id in X-Correlation-Id, exposes it to the portal, and logs one line per request with the route template', async () => {
    let response: any;
    const lines = await printed(async () => (response = await handler(apiEvent({}), context)));
    expect(response.headers['x-correlation-id']).toBe('api-request-0001');
    const handled = lines.find((line) => line.message === 'request handled');
    expect(handled).toMatchObject({ correlation_id: 'api-request-0001', route: '/v1/usernames/{username}/availability', statusCode: 200, method: 'GET' });
    // The path holds what the caller typed (here an email address): never logged.
    expect(JSON.stringify(lines)).not.toContain('marie@example.com');
  });

  it("puts a read-only route's successful answer at DEBUG, and its refusals at INFO like any route's", async () => {
    const reader = httpHandler({ body: false, readOnly: true }, async () => ({ statusCode: 200, body: { available: true } }));
    const refusing = httpHandler({ body: false, readOnly: true }, async () => {
      throw new AppError(410, 'ACTIVATION_EXPIRED');
    });
    let response: any;
    const success = await printed(async () => (response = await reader(apiEvent({}), context)));
    // Answered as always, with its correlation id; only the line moved to DEBUG (not printed at INFO).
    expect(response.headers['x-correlation-id']).toBe('api-request-0001');
    expect(success.filter((line) => line.message === 'request handled')).toEqual([]);
    const refusal = await printed(() => refusing(apiEvent({}), context));
    expect(refusal.find((line) => line.message === 'request handled')).toMatchObject({ level: 'INFO', statusCode: 410, correlation_id: 'api-request-0001' });
  });

  it("keeps a caller's well-formed id, replaces a malformed one", async () => {
    const ids: string[] = [];
    // Inside `printed`: their log lines are captured, not printed among the test results.
    await printed(async () => {
      ids.push(String((await handler(apiEvent({ 'X-Correlation-Id': 'portal-req-000042' }), context)).headers!['x-correlation-id']));
      ids.push(String((await handler(apiEvent({ 'x-correlation-id': 'marie@example.com' }), context)).headers!['x-correlation-id']));
    });
    expect(ids).toEqual(['portal-req-000042', 'api-request-0001']);
  });

  it('carries the id on a 500 too, and on the error line', async () => {
    let response: any;
    const lines = await printed(async () => (response = await failing(apiEvent({}, 'api-request-0500'), context)));
    expect(response.statusCode).toBe(500);
    expect(response.headers['x-correlation-id']).toBe('api-request-0500');
    expect(lines.find((line) => line.message === 'request failed')).toMatchObject({ correlation_id: 'api-request-0500', level: 'ERROR' });
  });
});

describe('workflowHandler correlation', () => {
  it("logs each step with the execution input's correlation id, and not the next invocation's", async () => {
    const step = workflowHandler(async (input: { correlationId?: string }) => ({ outcome: 'sent', echoed: input }));
    const lines = await printed(async () => {
      await step({ correlationId: 'request-0000-0001' }, context);
      await step({}, context);
    });
    const done = lines.filter((line) => line.message === 'workflow step done');
    expect(done).toHaveLength(2);
    expect(done[0]).toMatchObject({ correlation_id: 'request-0000-0001', outcome: 'sent' });
    expect(done[1]!.correlation_id).toBeUndefined();
  });
});

describe('email feedback correlation', () => {
  const tagged = (correlationId?: string) => {
    const event = bounceEvent({ to: 'gone@example.com', account: '123456789' });
    if (correlationId !== undefined) (event.mail.tags as Record<string, string[]>).correlation_id = [correlationId];
    return JSON.stringify(event);
  };

  it("reads the correlation id an SES event carries back in the email's tag, and nothing else", () => {
    expect(correlationIdOfSesEvent(tagged('0f8fc1f2-9c0e-4a7e-8a37-0b1f0e6a5d11'))).toBe('0f8fc1f2-9c0e-4a7e-8a37-0b1f0e6a5d11');
    expect(correlationIdOfSesEvent(tagged())).toBeUndefined();
    expect(correlationIdOfSesEvent(tagged('not one of ours'))).toBeUndefined();
    expect(correlationIdOfSesEvent('{nope')).toBeUndefined();
  });

  it("logs each record with its email's correlation id, never the address", async () => {
    const handler = emailFeedbackHandler({
      audit: { record: async () => undefined, listPage: async () => ({ events: [] }) },
      suppressions: { suppress: async () => undefined, isSuppressed: async () => false },
      clock: { now: () => new Date('2026-12-01T12:00:00Z') },
    });
    const sns = (message: string, id: string) => ({ Sns: { MessageId: id, Message: message } });
    const event = { Records: [sns(tagged('request-0000-0042'), 'm-1'), sns(tagged(), 'm-2')] } as unknown as SNSEvent;
    const lines = await printed(() => handler(event, context));
    const recorded = lines.filter((line) => line.message === 'email feedback recorded');
    expect(recorded.map((line) => [line.messageId, line.correlation_id])).toEqual([
      ['m-1', 'request-0000-0042'],
      ['m-2', undefined],
    ]);
    expect(JSON.stringify(lines)).not.toContain('gone@example.com');
  });
});

describe('business metrics (EMF)', () => {
  it('prints one EMF line per event in the namespace, with its dimension', async () => {
    const saved = process.env.POWERTOOLS_METRICS_NAMESPACE;
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'UnitTestNamespace';
    try {
      let record!: (typeof import('../../shared/observability/business-metrics'))['businessMetrics']['record'];
      jest.isolateModules(() => {
        record = require('../../shared/observability/business-metrics').businessMetrics.record;
      });
      const lines = await printed(async () => record({ name: 'registration', path: 'identity' }));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ Registrations: 1, Path: 'identity', service: 'registration' });
      expect(lines[0]!._aws.CloudWatchMetrics[0]).toMatchObject({
        Namespace: 'UnitTestNamespace',
        Dimensions: [['service', 'Path']],
        Metrics: [{ Name: 'Registrations', Unit: 'Count' }],
      });
    } finally {
      if (saved === undefined) delete process.env.POWERTOOLS_METRICS_NAMESPACE;
      else process.env.POWERTOOLS_METRICS_NAMESPACE = saved;
    }
  });

  it('writes a point without a dimension of its own under the service dimension alone', () => {
    const { embeddedMetricLine } = require('../../shared/observability/business-metrics') as typeof import('../../shared/observability/business-metrics');
    expect(JSON.parse(embeddedMetricLine({ name: 'EmailsSent' }, 1_700_000_000_000, 'N', 'registration'))).toEqual({
      _aws: { Timestamp: 1_700_000_000_000, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['service']], Metrics: [{ Name: 'EmailsSent', Unit: 'Count' }] }] },
      service: 'registration',
      EmailsSent: 1,
    });
  });

  it('maps each event to its metric', () => {
    expect(metricOf({ name: 'lockout', kind: 'sign-in' })).toEqual({ name: 'Lockouts', dimension: { name: 'Kind', value: 'sign-in' } });
    expect(metricOf({ name: 'email-feedback', kind: 'complaint' })).toEqual({ name: 'EmailComplaints' });
    expect(metricOf({ name: 'activation-email-requested', channel: 'agent' })).toEqual({ name: 'ActivationEmailsRequested', dimension: { name: 'Channel', value: 'agent' } });
  });
});

describe('local terminal log format', () => {
  const entry = {
    level: 'INFO',
    message: 'email sent',
    timestamp: '2026-12-01T14:03:07.123Z',
    service: 'registration',
    function_name: 'issue-activation',
    function_request_id: 'abc',
    cold_start: false,
    correlation_id: '0f8fc1f2-9c0e-4a7e-8a37-0b1f0e6a5d11',
    emailKind: 'activation',
    messageId: 'ses-1',
  };

  it('prints a log entry as one short line: time, level, function, message, correlation id, own fields', () => {
    const line = formatLogLine(JSON.stringify(entry), { color: false });
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.123 INFO  issue-activation email sent \[0f8fc1f2\] emailKind=activation messageId=ses-1$/);
    expect(line).not.toContain('cold_start');
  });

  it('colors it on request', () => {
    expect(formatLogLine(JSON.stringify(entry), { color: true })).toContain('\x1b[36mINFO ');
  });

  it('prints an EMF line as the metric and its dimension', () => {
    const emf = { _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'N', Dimensions: [['service', 'Path']], Metrics: [{ Name: 'Registrations', Unit: 'Count' }] }] }, service: 'registration', Path: 'identity', Registrations: 1 };
    expect(formatLogLine(JSON.stringify(emf), { color: false })).toMatch(/METRIC Registrations \+1 Path=identity$/);
  });

  it('leaves anything else as it is', () => {
    for (const line of ['Ready in 2.1 s.', '{not json', '{"a":1}', '']) expect(formatLogLine(line, { color: false })).toBe(line);
  });
});
