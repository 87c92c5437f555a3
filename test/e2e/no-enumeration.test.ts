import { performance } from 'node:perf_hooks';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { jsonClient, startService, type Json, type RunningService } from './local-stack';

/**
 * No timing oracle (spec §5): an activation request for an unknown account, for a known account
 * with a wrong postal code, and for a known pair past its daily limit answer the same — status,
 * headers and body — and take the same time (medians within 5 ms over 200 requests each).
 */
let service: RunningService;
beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.stop());

const call = jsonClient(() => service.url);

async function waitForMails(to: string, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const messages = (await call('GET', '/__dev/outbox')).body.messages as Json[];
    if (messages.filter((m) => m.to[0] === to).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fewer than ${count} mails to ${to}`);
}

/** Waits (up to 60 s: a busy machine runs the workflow's steps slowly) until exactly `count` executions run. */
async function waitForRunning(running: () => Promise<number>, count: number): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if ((await running()) === count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never ${count} running executions (${await running()})`);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
};

/**
 * What a client can see of an answer, but time: status, headers (less `date`, and the request's
 * own `x-correlation-id`, fresh on every answer whatever the account), body.
 */
async function observe(body: Json) {
  const started = performance.now();
  const response = await fetch(`${service.url}/v1/activation-requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const elapsed = performance.now() - started;
  const headers = [...response.headers].filter(([name]) => name !== 'date' && name !== 'x-correlation-id').sort();
  return { elapsed, seen: JSON.stringify({ status: response.status, headers, text }) };
}

describe('activation requests reveal nothing about the account', () => {
  it('answers unknown accounts, wrong postal codes and throttled known pairs alike, in the same time', async () => {
    const known = { accountNumber: '987654321', postalCode: 'K1A 0B1' };
    // Spend the known pair's three emails of the day first.
    for (let i = 0; i < 3; i++) expect((await call('POST', '/v1/activation-requests', known)).status).toBe(202);
    await waitForMails('john.smith@example.com', 3);

    const cases: Record<string, Json> = {
      unknownAccount: { accountNumber: '999888777', postalCode: 'K1A 0B1' },
      wrongPostalCode: { accountNumber: '987654321', postalCode: 'H0H 0H0' },
      throttledKnownPair: known,
    };
    // Locally every workflow step runs in the stack's own process (on AWS, elsewhere): before
    // each request, wait until the executions started by the previous one have ended, so that
    // none slows the next request. One stays running: the newest activation's, waiting five days for
    // a registration (each email revoked the one before it, ending that one's wait).
    const info = (await call('GET', '/__dev/info')).body;
    const sfn = new SFNClient({ endpoint: info.stepFunctions.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const running = async () =>
      ((await sfn.send(new ListExecutionsCommand({ stateMachineArn: info.stepFunctions.stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000 }))).executions ?? []).length;
    const idle = async () => {
      for (let i = 0; i < 500 && (await running()) > 1; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    };
    await waitForRunning(running, 1);

    const names = Object.keys(cases);
    for (const name of names) {
      await observe(cases[name]!); // warm-up
      await idle();
    }
    const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
    const answers = new Set<string>();
    for (let round = 0; round < 200; round++) {
      // A different order each round, so that no case always follows the same one.
      for (let k = 0; k < names.length; k++) {
        const name = names[(round + k) % names.length]!;
        const { elapsed, seen } = await observe(cases[name]!);
        times[name]!.push(elapsed);
        answers.add(seen);
        await idle();
      }
    }
    sfn.destroy();
    expect([...answers]).toHaveLength(1);
    expect(JSON.parse([...answers][0]!)).toMatchObject({ status: 202, text: '{"status":"accepted"}\n' });
    const medians = Object.fromEntries(names.map((name) => [name, Math.round(median(times[name]!) * 100) / 100]));
    console.log(`activation-request medians (ms, 200 each): ${JSON.stringify(medians)}`);
    const values = Object.values(medians);
    expect(Math.max(...values) - Math.min(...values)).toBeLessThan(5);
    // Still three emails: the throttled requests sent nothing.
    const messages = (await call('GET', '/__dev/outbox')).body.messages as Json[];
    expect(messages.filter((m) => m.to[0] === 'john.smith@example.com')).toHaveLength(3);
  });
});
