import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_AWS, startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { bindLocalApi } from '../../infra/local/http-server';
import { freePort } from '../../infra/local/ports';
import { startSilentListener, type SilentListener } from '../fixtures/silent-listener';

// CI once failed because a port found free was taken before the local stack bound it: these show
// that the stack binds its own port at once and that DynamoDB Local moves on from a taken one.

// The port is taken by a program that accepts connections and never answers.
let occupied: SilentListener;
let occupiedPort: number;

beforeAll(async () => {
  occupied = await startSilentListener();
  occupiedPort = occupied.port;
});
afterAll(() => occupied.close());

describe('the local API socket', () => {
  it('binds the port the OS picks when asked for 0, and answers 503 until the stack is ready', async () => {
    const api = await bindLocalApi(0);
    try {
      expect(api.port).toBeGreaterThan(0);
      const response = await fetch(`http://127.0.0.1:${api.port}/v1/activations/verify`, { method: 'POST', headers: { 'accept-language': 'en' } });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await api.close();
    }
  });

  it('frames its answers as API Gateway does: a Content-Length, none on 204, never chunked', async () => {
    const api = await bindLocalApi(0);
    try {
      const url = `http://127.0.0.1:${api.port}`;
      const unready = await fetch(`${url}/v1/activations/verify`, { method: 'POST', headers: { 'accept-language': 'fr' } });
      const unreadyText = await unready.text();
      expect(unready.headers.get('content-length')).toBe(String(Buffer.byteLength(unreadyText)));
      expect(unready.headers.get('transfer-encoding')).toBeNull();

      api.serve({ devRoutes: { 'POST /__dev/echo': async (body) => ({ statusCode: 200, body: { échoé: body } }) }, agentApiKey: 'key', portalOrigin: 'http://localhost:1' });
      const answered = await fetch(`${url}/__dev/echo`, { method: 'POST', body: JSON.stringify({ mot: 'déjà' }) });
      const text = await answered.text();
      expect(JSON.parse(text)).toEqual({ échoé: { mot: 'déjà' } });
      expect(answered.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
      expect(answered.headers.get('transfer-encoding')).toBeNull();

      const preflight = await fetch(`${url}/v1/activations/verify`, { method: 'OPTIONS' });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('content-length')).toBeNull();
    } finally {
      await api.close();
    }
  });

  it('says at once when the port asked for is in use', async () => {
    await expect(bindLocalApi(occupiedPort)).rejects.toThrow(
      `Port ${occupiedPort} is already in use: stop what runs there, or start with PORT=<another port>.`,
    );
  });
});

describe('DynamoDB Local', () => {
  it('starts on another port when the one it was given is taken before the JVM binds it', async () => {
    const offered: number[] = [];
    const pickPort = async () => {
      const port = offered.length === 0 ? occupiedPort : await freePort();
      offered.push(port);
      return port;
    };
    const dynamoDb = await startDynamoDbLocal(pickPort);
    try {
      expect(offered).toHaveLength(2);
      expect(offered[0]).toBe(occupiedPort);
      expect(dynamoDb.endpoint).toBe(`http://127.0.0.1:${offered[1]}`);
      const client = new DynamoDBClient({ endpoint: dynamoDb.endpoint, region: LOCAL_AWS.region, credentials: LOCAL_AWS });
      await expect(client.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
      client.destroy();
    } finally {
      await dynamoDb.stop();
    }
  });
});
