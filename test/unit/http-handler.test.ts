import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { AppError, ConcurrentUpdateError, ValidationError } from '../../shared/domain/errors';
import { checkUsername } from '../../shared/domain/field-rules';
import { httpHandler } from '../../shared/http/http-handler';
import { parseRequest, tokenRegistrationSchema } from '../../shared/http/request-schemas';
import { handler as notFound } from '../../functions/api/route-not-found.handler';

const context = { functionName: 'test', awsRequestId: 'r' } as Context;
const event = (overrides: Partial<APIGatewayProxyEvent>): APIGatewayProxyEvent =>
  ({
    httpMethod: 'POST',
    path: '/v1/registrations',
    headers: { 'Content-Type': 'application/json' },
    body: '{}',
    isBase64Encoded: false,
    requestContext: { identity: { sourceIp: '127.0.0.1' } },
    ...overrides,
  }) as APIGatewayProxyEvent;

const echo = httpHandler({ body: true }, async (request) => ({
  statusCode: 200,
  body: parseRequest(tokenRegistrationSchema, request.body),
}));

const errorOf = (response: { body: string }) => JSON.parse(response.body).error;

describe('httpHandler', () => {
  it('answers 415 UNSUPPORTED_MEDIA_TYPE without application/json', async () => {
    const response = await echo(event({ headers: { 'content-type': 'text/plain' } }), context);
    expect(response.statusCode).toBe(415);
    expect(errorOf(response).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
  it('accepts a charset parameter and any header case', async () => {
    const response = await echo(
      event({ headers: { 'CONTENT-TYPE': 'Application/JSON; charset=utf-8' }, body: '{"activationToken":"t","username":"abcdefgh","password":"abc123"}' }),
      context,
    );
    expect(response.statusCode).toBe(200);
  });
  it('answers 413 PAYLOAD_TOO_LARGE past 16 KiB, counting bytes', async () => {
    const response = await echo(event({ body: JSON.stringify({ username: 'é'.repeat(8200) }) }), context);
    expect(response.statusCode).toBe(413);
    expect(errorOf(response).code).toBe('PAYLOAD_TOO_LARGE');
  });
  it.each(['{', '', 'null,', '{"a":}'])('answers 400 MALFORMED_JSON for %j', async (body) => {
    const response = await echo(event({ body }), context);
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('MALFORMED_JSON');
  });
  it.each(['[]', '"text"', '42', 'null'])('answers 400 VALIDATION_FAILED for a JSON %s body', async (body) => {
    const response = await echo(event({ body }), context);
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('VALIDATION_FAILED');
  });
  it('lists every field problem with messages, in English on Accept-Language: en', async () => {
    const response = await echo(
      event({ headers: { 'content-type': 'application/json', 'Accept-Language': 'en' }, body: '{"username":"a@","password":7}' }),
      context,
    );
    const error = errorOf(response);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.fields.map((f: { field: string; code: string }) => `${f.field}:${f.code}`)).toEqual([
      'activationToken:FIELD_REQUIRED',
      'username:USERNAME_TOO_SHORT',
      'username:USERNAME_INVALID_CHARACTERS',
      'password:FIELD_TYPE_INVALID',
    ]);
    expect(error.fields[0].message).toBe('This field is required.');
  });
  it('sets Retry-After on rate-limit errors and hides unexpected errors behind a 500', async () => {
    const limited = httpHandler({ body: false }, async () => {
      throw new AppError(429, 'TOO_MANY_REQUESTS', { retryAfterSeconds: 42 });
    });
    const broken = httpHandler({ body: false }, async () => {
      throw new Error('secret detail');
    });
    const limitedResponse = await limited(event({ httpMethod: 'GET' }), context);
    expect(limitedResponse.headers?.['retry-after']).toBe('42');
    const brokenResponse = await broken(event({ httpMethod: 'GET' }), context);
    expect(brokenResponse.statusCode).toBe(500);
    expect(brokenResponse.body).not.toContain('secret');
    expect(errorOf(brokenResponse).code).toBe('INTERNAL_ERROR');
  });
  it('answers a lost race 429 TOO_MANY_REQUESTS and a throttled AWS dependency 503, both with Retry-After', async () => {
    const raced = httpHandler({ body: false }, async () => {
      throw new ConcurrentUpdateError();
    });
    const throttled = httpHandler({ body: false }, async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    });
    const refused = httpHandler({ body: false }, async () => {
      throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } });
    });
    const racedResponse = await raced(event({ httpMethod: 'GET' }), context);
    expect([racedResponse.statusCode, errorOf(racedResponse).code, racedResponse.headers?.['retry-after']]).toEqual([429, 'TOO_MANY_REQUESTS', '1']);
    const throttledResponse = await throttled(event({ httpMethod: 'GET' }), context);
    expect([throttledResponse.statusCode, errorOf(throttledResponse).code, throttledResponse.headers?.['retry-after']]).toEqual([503, 'SERVICE_UNAVAILABLE', '5']);
    expect(throttledResponse.body).not.toContain('Rate exceeded');
    // An SDK error that is neither transient nor mapped by an adapter is a bug of ours.
    expect((await refused(event({ httpMethod: 'GET' }), context)).statusCode).toBe(500);
  });
  it('gives fields only on VALIDATION_FAILED', async () => {
    const failing = httpHandler({ body: false }, async () => {
      throw new ValidationError([{ field: 'username', code: 'FIELD_REQUIRED' }]);
    });
    expect(errorOf(await failing(event({}), context)).fields).toHaveLength(1);
    expect(errorOf(await limitedNotFound()).fields).toBeUndefined();
  });
});

describe('path parameters', () => {
  // What a route handler receives, and what username validation makes of it.
  const pathEcho = httpHandler({ body: false }, async (request) => ({
    statusCode: 200,
    body: { pathParameters: request.pathParameters, usernameProblems: checkUsername(request.pathParameters.username ?? '') },
  }));
  const received = async (pathParameters: APIGatewayProxyEvent['pathParameters']) => {
    const response = await pathEcho(event({ httpMethod: 'GET', path: '/v1/usernames/x/availability', body: null, pathParameters }), context);
    expect(response.statusCode).toBe(200);
    return JSON.parse(response.body) as { pathParameters: Record<string, string>; usernameProblems: { code: string; params?: { characters?: string } }[] };
  };

  it.each([
    ['marie%40x.com', 'marie@x.com'],
    ['555%20000%20111%20222', '555 000 111 222'],
    ['Marie.Tremblay', 'Marie.Tremblay'],
    ['%C3%A9lodie.roy', 'élodie.roy'],
    ['luc%2Fgagnon', 'luc/gagnon'],
    // Decoded once only: an encoded percent sign stays a percent sign.
    ['marie%2540x.com', 'marie%40x.com'],
  ])('decodes %s as API Gateway REST passes it to %j', async (raw, decoded) => {
    expect((await received({ username: raw })).pathParameters).toEqual({ username: decoded });
  });

  it.each(['marie.tremblay%E0%A4%A', 'marie%E0%A4.tremblay', 'marie.tremblay%', '%ZZmarie.tremblay'])('keeps the malformed escape %s as typed, refused for its %%', async (raw) => {
    const { pathParameters, usernameProblems } = await received({ username: raw });
    expect(pathParameters).toEqual({ username: raw });
    expect(usernameProblems).toContainEqual({ code: 'USERNAME_INVALID_CHARACTERS', params: { characters: '%' } });
  });

  it('decodes abc%E0%A4%Adef, which is well formed (%Ad), and refuses the character it names', async () => {
    expect(await received({ username: 'abc%E0%A4%Adef' })).toEqual({
      pathParameters: { username: 'abc\u092Def' },
      usernameProblems: [{ code: 'USERNAME_TOO_SHORT', params: { min: 8 } }, { code: 'USERNAME_INVALID_CHARACTERS', params: { characters: '\u092D' } }],
    });
  });

  it('refuses a decoded slash as a character of the username', async () => {
    expect((await received({ username: 'luc%2Fgagnon' })).usernameProblems).toEqual([{ code: 'USERNAME_INVALID_CHARACTERS', params: { characters: '/' } }]);
  });

  it('gives an empty object when the route has none', async () => {
    expect((await received(null)).pathParameters).toEqual({});
  });
});

async function limitedNotFound() {
  return notFound(event({ httpMethod: 'GET', path: '/v1/unknown' }), context);
}

describe('route-not-found', () => {
  it('answers 404 NOT_FOUND for an unknown path', async () => {
    const response = await limitedNotFound();
    expect(response.statusCode).toBe(404);
    expect(errorOf(response).code).toBe('NOT_FOUND');
  });
  it('answers 405 METHOD_NOT_ALLOWED with Allow for a known path', async () => {
    const response = await notFound(event({ httpMethod: 'DELETE', path: '/v1/health' }), context);
    expect(response.statusCode).toBe(405);
    expect(response.headers?.allow).toBe('GET');
    expect(errorOf(response).code).toBe('METHOD_NOT_ALLOWED');
  });
});
