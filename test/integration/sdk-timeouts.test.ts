import { SendEmailCommand } from '@aws-sdk/client-ses';
import { closeClients, sesClient } from '../../shared/adapters/aws-clients';
import { startSilentListener, type SilentListener } from '../fixtures/silent-listener';

// The adapters treat a dependency that stops answering as a `TimeoutError` (SES: "may have been
// sent", retried by the workflow). The SDK only warns about a slow request unless told to throw:
// this shows the shared clients are, against a server that accepts connections and never answers.

let silent: SilentListener;
const savedEndpoint = process.env.AWS_ENDPOINT_URL_SES;

beforeAll(async () => {
  silent = await startSilentListener();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SES: `http://127.0.0.1:${silent.port}`,
    AWS_REGION: 'ca-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
});
afterAll(async () => {
  closeClients();
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_SES;
  else process.env.AWS_ENDPOINT_URL_SES = savedEndpoint;
  await silent.close();
});

it('fails a request that gets no answer with a TimeoutError after the 5 s request timeout', async () => {
  const started = Date.now();
  const send = sesClient().send(
    new SendEmailCommand({
      Source: 'no-reply@example.com',
      Destination: { ToAddresses: ['someone@example.com'] },
      Message: { Subject: { Data: 'x' }, Body: { Text: { Data: 'x' } } },
    }),
  );
  await expect(send).rejects.toMatchObject({ name: 'TimeoutError' });
  const elapsed = Date.now() - started;
  expect(elapsed).toBeGreaterThanOrEqual(4_900);
  // One attempt (SES is never retried by the SDK); generous bound for a busy machine.
  expect(elapsed).toBeLessThan(30_000);
});
