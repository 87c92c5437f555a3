import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * The SDK clients, created once per cold start and shared by every adapter. Endpoints come from
 * the standard `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SES` and `AWS_ENDPOINT_URL_SFN`
 * variables, so the local stack and AWS differ only by environment.
 */

// Short timeouts: a stuck connection is retried by the SDK rather than eating the Lambda's time.
// Since @smithy/node-http-handler 4.x a request over `requestTimeout` only logs a warning unless
// `throwOnRequestTimeout` is set: set, it fails with the `TimeoutError` the adapters expect.
const requestHandler = { connectionTimeout: 1_000, requestTimeout: 5_000, throwOnRequestTimeout: true };

let dynamoDb: DynamoDBClient | undefined;
let ses: SESClient | undefined;
let sfn: SFNClient | undefined;

export function dynamoDbClient(): DynamoDBClient {
  return (dynamoDb ??= new DynamoDBClient({ maxAttempts: 4, requestHandler }));
}

export function sesClient(): SESClient {
  // One attempt: a send that timed out may have been accepted, and the SDK would send it again.
  // The workflow retries instead, with backoff, knowing what the failure leaves open.
  return (ses ??= new SESClient({ maxAttempts: 1, requestHandler }));
}

export function sfnClient(): SFNClient {
  return (sfn ??= new SFNClient({ maxAttempts: 4, requestHandler }));
}

/**
 * The client `get` returns, created on first use rather than at cold start: for clients that
 * only some requests need (Step Functions, SES), a cold start that does not use one skips its
 * construction. Every call goes to the one shared client `get` returns at that moment.
 */
export function onFirstUse<Client extends object>(get: () => Client): Client {
  return new Proxy({} as Client, {
    get(_target, property) {
      const client = get();
      const value = Reflect.get(client, property, client);
      return typeof value === 'function' ? value.bind(client) : value;
    },
  });
}

/** Closes the shared clients' connections (the local stack on shutdown; Lambda never needs it). */
export function closeClients(): void {
  for (const client of [dynamoDb, ses, sfn]) client?.destroy();
  dynamoDb = undefined;
  ses = undefined;
  sfn = undefined;
}
