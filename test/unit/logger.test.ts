// First: the service's logger must be created at INFO (see the fixture).
import { restoreLogLevel } from '../fixtures/log-at-info';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { invokeLocally, isolateConcurrentInvocations, localContext } from '../../infra/local/lambda-invoke';
import { Logger, logger as serviceLogger } from '../../shared/observability/logger';

/** The JSON lines written to stdout while `run` runs. */
async function printed(run: () => unknown): Promise<Record<string, any>[]> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: unknown) => (chunks.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

afterAll(restoreLogLevel);

const context = localContext('unit-function');

describe('log level', () => {
  it.each([
    [{}, 'INFO'],
    [{ LOG_LEVEL: 'warn' }, 'WARN'],
    [{ POWERTOOLS_LOG_LEVEL: 'ERROR', LOG_LEVEL: 'DEBUG' }, 'ERROR'],
    [{ POWERTOOLS_LOG_LEVEL: 'nonsense', LOG_LEVEL: 'debug' }, 'DEBUG'],
    // Lambda's own control is a floor: what it would drop is not written.
    [{ POWERTOOLS_LOG_LEVEL: 'DEBUG', AWS_LAMBDA_LOG_LEVEL: 'WARN' }, 'WARN'],
    [{ POWERTOOLS_LOG_LEVEL: 'ERROR', AWS_LAMBDA_LOG_LEVEL: 'DEBUG' }, 'ERROR'],
  ])('%j prints from %s up', async (env, lowest) => {
    const log = new Logger('unit', env);
    const lines = await printed(() => {
      log.debug('d');
      log.info('i');
      log.warn('w');
      log.error('e');
    });
    const levels = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
    expect(lines.map((line) => line.level)).toEqual(levels.slice(levels.indexOf(lowest)));
  });
});

describe('a log line', () => {
  const saved = process.env._X_AMZN_TRACE_ID;
  afterEach(() => {
    if (saved === undefined) delete process.env._X_AMZN_TRACE_ID;
    else process.env._X_AMZN_TRACE_ID = saved;
  });

  it("carries the level, message, time, service, the invocation's Lambda context and its correlation id, then its own fields", async () => {
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const log = new Logger('registration', {});
    const lines = await printed(() => {
      log.startInvocation(context);
      log.setCorrelationId('request-0000-0001');
      log.info('request handled', { statusCode: 200 });
      log.startInvocation({ ...context, awsRequestId: 'second' } as Context);
      log.info('workflow step done');
    });
    expect(lines[0]).toEqual({
      level: 'INFO',
      message: 'request handled',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'registration',
      function_name: 'unit-function',
      function_arn: 'arn:aws:lambda:ca-central-1:000000000000:function:unit-function',
      function_memory_size: 512,
      function_request_id: context.awsRequestId,
      cold_start: true,
      correlation_id: 'request-0000-0001',
      xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
      statusCode: 200,
    });
    // The next invocation: warm, and nothing left of the previous one's correlation id.
    expect(lines[1]).toMatchObject({ function_request_id: 'second', cold_start: false });
    expect(lines[1]).not.toHaveProperty('correlation_id');
  });

  it('writes an error as its name, message, stack and cause', async () => {
    const log = new Logger('unit', {});
    const failure = new TypeError('bad thing', { cause: new RangeError('deeper') });
    const [line] = await printed(() => log.error('request failed', failure));
    expect(line!.error).toEqual({
      name: 'TypeError',
      message: 'bad thing',
      stack: failure.stack,
      cause: { name: 'RangeError', message: 'deeper', stack: (failure.cause as Error).stack },
    });
  });

  it('still writes its line when a field is something JSON refuses (a BigInt, a cycle)', async () => {
    const log = new Logger('unit', {});
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const [line] = await printed(() => log.warn('odd fields', { count: 12n, cyclic }));
    expect(line).toMatchObject({ message: 'odd fields', count: '12', cyclic: { name: 'loop', self: '[Circular]' } });
  });

  it('never throws, even when stdout does', () => {
    const log = new Logger('unit', {});
    const write = process.stdout.write;
    process.stdout.write = (() => {
      throw new Error('EPIPE');
    }) as typeof process.stdout.write;
    try {
      expect(() => log.info('lost')).not.toThrow();
    } finally {
      process.stdout.write = write;
    }
  });
});

describe('invocations running concurrently in one process (the local stack)', () => {
  let undo: () => void;
  beforeAll(async () => {
    undo = await isolateConcurrentInvocations();
  });
  afterAll(() => undo());

  it("keeps each invocation's correlation id and request id on its own lines, and none outside them", async () => {
    const entry = path.join(__dirname, '../fixtures/waiting-workflow-step.ts');
    let releaseFirst!: () => void;
    const first = new Promise<void>((resolve) => (releaseFirst = resolve));
    const lines = await printed(async () => {
      const one = invokeLocally(entry, 'step-one', { correlationId: 'request-0000-0001', until: first });
      // The second starts, sets its own id and ends while the first is still waiting.
      await invokeLocally(entry, 'step-two', { correlationId: 'request-0000-0002', until: Promise.resolve() });
      releaseFirst();
      await one;
      serviceLogger.info('outside any invocation');
    });
    const done = lines.filter((line) => line.message === 'workflow step done');
    expect(done.map((line) => [line.function_name, line.correlation_id])).toEqual([
      ['step-two', 'request-0000-0002'],
      ['step-one', 'request-0000-0001'],
    ]);
    expect(done[0]!.function_request_id).not.toBe(done[1]!.function_request_id);
    expect(lines.find((line) => line.message === 'outside any invocation')).not.toHaveProperty('correlation_id');
  });
});
