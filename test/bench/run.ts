/**
 * `npm run bench`: latency figures of the service on the local stack (DynamoDB Local, SES
 * emulator, local Step Functions engine), one request at a time, plus the password hash alone.
 * Loopback only, bounded loops. Figures are for this machine; Lambda adds network and cold starts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalStack } from '../../infra/local/stack';
import { Argon2PasswordHasher } from '../../shared/adapters/argon2-password-hasher';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ACCOUNTS = 70;

function summary(name: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return `${name.padEnd(44)} ${String(samples.length).padStart(4)}  ${mean.toFixed(1).padStart(7)}  ${at(0.5).toFixed(1).padStart(7)}  ${at(0.95).toFixed(1).padStart(7)}  ${sorted.at(-1)!.toFixed(1).padStart(7)}`;
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const hasher = new Argon2PasswordHasher();
  const hashes: number[] = [];
  const verifies: number[] = [];
  let encoded = '';
  for (let i = 0; i < 20; i++) hashes.push(await time(async () => (encoded = await hasher.hash('Boulang3rie'))));
  for (let i = 0; i < 20; i++) verifies.push(await time(() => hasher.verify('Boulang3rie', encoded)));
  lines.push(summary('argon2id hash (19 MiB, t=2, p=1)', hashes), summary('argon2id verify', verifies));

  const seed = path.join(mkdtempSync(path.join(tmpdir(), 'bench-')), 'accounts.json');
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
    accountNumber: String(400000000 + i),
    companyName: `Entreprise ${i}`,
    holder: { name: `Titulaire ${i}`, email: `holder${i}@example.com` },
    services: ['internet'],
    serviceAddress: { postalCode: 'H2X 1Y4' },
    billingAddress: { postalCode: 'H2X 1Y4' },
  }));
  writeFileSync(seed, JSON.stringify({ accounts }));

  const startedAt = performance.now();
  const stack = await startLocalStack({ port: 0, seedFile: seed });
  lines.push(`local stack start (emulators + API ready): ${((performance.now() - startedAt) / 1000).toFixed(2)} s`);
  const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  try {
    const outbox = async () => ((await (await fetch(`${stack.url}/__dev/outbox`)).json()) as { messages: { to: string[]; text: string }[] }).messages;

    // Activation request → email in the outbox (API + workflow + DynamoDB + SES), per account.
    const delivered: number[] = [];
    for (let i = 0; i < 10; i++) {
      delivered.push(
        await time(async () => {
          await post('/v1/activation-requests', { accountNumber: accounts[i]!.accountNumber, postalCode: 'H2X1Y4' });
          while (!(await outbox()).some((m) => m.to[0] === accounts[i]!.holder.email)) await new Promise((r) => setTimeout(r, 5));
        }),
      );
    }
    const tokens = (await outbox()).map((m) => /#token=([\w-]+)/.exec(m.text)![1]!);

    const verify: number[] = [];
    for (let i = 0; i < 100; i++) verify.push(await time(() => post('/v1/activations/verify', { activationToken: tokens[i % tokens.length] }).then((r) => r.text())));
    const availability: number[] = [];
    for (let i = 0; i < 55; i++) availability.push(await time(() => fetch(`${stack.url}/v1/usernames/user.name.${i}/availability`).then((r) => r.text())));
    const withToken: number[] = [];
    for (let i = 0; i < 10; i++) {
      withToken.push(await time(() => post('/v1/registrations', { activationToken: tokens[i], username: `bench.user.${i}`, password: 'Boulang3rie' }).then((r) => r.text())));
    }
    // Alternately without and with an Idempotency-Key: what the idempotency layer adds.
    const withIdentity: number[] = [];
    const withIdentityAndKey: number[] = [];
    for (let i = 10; i < ACCOUNTS; i++) {
      const a = accounts[i]!;
      const headers: Record<string, string> = i % 2 ? { 'idempotency-key': `bench-${i}` } : {};
      (i % 2 ? withIdentityAndKey : withIdentity).push(
        await time(() =>
          post('/v1/registrations', { accountNumber: a.accountNumber, postalCode: 'H2X 1Y4', email: a.holder.email, username: `bench.holder.${i}`, password: 'Boulang3rie' }, headers).then((r) => r.text()),
        ),
      );
    }
    const signIns: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 30; i++) {
      signIns.push(await time(() => post('/v1/sessions', { username: `bench.holder.${10 + i}`, password: 'Boulang3rie' }).then((r) => r.text())));
    }
    for (let i = 0; i < 30; i++) {
      unknown.push(await time(() => post('/v1/sessions', { username: `nobody.${i}`, password: 'Boulang3rie' }).then((r) => r.text())));
    }
    lines.push(
      summary('POST /v1/activation-requests → email sent', delivered),
      summary('POST /v1/activations/verify', verify),
      summary('GET /v1/usernames/{u}/availability', availability),
      summary('POST /v1/registrations (token)', withToken),
      summary('POST /v1/registrations (identity, flow B)', withIdentity),
      summary('  same, with an Idempotency-Key', withIdentityAndKey),
      summary('POST /v1/sessions (right password)', signIns),
      summary('POST /v1/sessions (unknown user, same work)', unknown),
    );
  } finally {
    await stack.close();
  }
  console.log(`\n${'latency (ms)'.padEnd(44)} ${'n'.padStart(4)}  ${'mean'.padStart(7)}  ${'p50'.padStart(7)}  ${'p95'.padStart(7)}  ${'max'.padStart(7)}`);
  for (const line of lines) console.log(line);
  console.log(`\nNode ${process.version}, ${(await import('node:os')).cpus().length} cores; loopback, one request at a time.`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
