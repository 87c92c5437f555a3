import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { AppError } from '../../shared/domain/errors';
import { errorBody, jsonResponseText } from '../../shared/http/error-body';
import { negotiateLanguage } from '../../shared/http/messages';
import { fallbackHandler, MAX_BODY_BYTES, resolveRoute, type Route } from '../../shared/http/routes';
import { serveApiReference } from './api-reference';
import { invokeLocally } from './lambda-invoke';
import type { PortalSite } from './portal-site';

const FUNCTIONS_DIR = path.resolve(__dirname, '../../functions/api');
// Bodies are read up to this size; the handlers refuse anything over 16 KiB with 413 anyway.
const READ_LIMIT = 1024 * 1024;

/**
 * A local-only route (`/__dev/...`): gets the parsed JSON body, answers a status and a body, sent
 * as JSON unless `contentType` is given (then `body` is the text to send as is).
 */
export type DevRoute = (body: unknown) => Promise<{ statusCode: number; body: unknown; contentType?: string }>;

export interface LocalApiOptions {
  devRoutes: Record<string, DevRoute>;
  agentApiKey: string;
  portalOrigin: string;
  /** The portal's static pages, answered before the API's routes (GET and HEAD only). */
  portalSite?: PortalSite;
}

/** The local API's listening socket, bound before the rest of the stack starts. */
export interface LocalApiSocket {
  /** The port actually bound (the OS's choice when asked for 0). */
  port: number;
  /** Starts answering requests; until then every request gets 503 `SERVICE_UNAVAILABLE`. */
  serve(options: LocalApiOptions): void;
  close(): Promise<void>;
}

/**
 * The API Gateway of the local stack: turns each HTTP request into the REST API (v1 proxy)
 * event the deployed function receives, invokes that function's handler in-process, and writes
 * its result back. Agent routes take `x-agent-key` here, where AWS uses IAM.
 *
 * The port is bound first, before DynamoDB Local and the other emulators start: a port picked
 * free and bound only seconds later can meanwhile become the local end of any outgoing
 * connection (busy test machines make thousands), and a port already in use fails at once.
 */
export function bindLocalApi(port: number): Promise<LocalApiSocket> {
  let options: LocalApiOptions | undefined;
  const server: Server = createServer((req, res) => {
    if (!options) {
      res.setHeader('retry-after', '1');
      return sendError(req, res, new AppError(503, 'SERVICE_UNAVAILABLE'));
    }
    serve(req, res, options).catch((error) => {
      // A client gone before its body ended: no one to answer, and no bug of ours.
      if (req.destroyed && !req.complete) return;
      // Only our own bugs get here: a generic 500, no details.
      console.error('local API error', error);
      if (!res.headersSent) send(res, { statusCode: 500, headers: {}, body: jsonResponseText({ error: { code: 'INTERNAL_ERROR', message: 'Internal error' } }) });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} is already in use: stop what runs there, or start with PORT=<another port>.`)
          : error,
      );
    });
    server.listen(port, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        serve: (ready) => {
          options = ready;
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
  });
}

/** The identity local agent calls carry (on AWS: the IAM principal that signed the request). */
export const LOCAL_AGENT_ARN = 'arn:aws:iam::000000000000:user/local-agent';

async function serve(req: IncomingMessage, res: ServerResponse, options: LocalApiOptions): Promise<void> {
  // The request target is always a path here: `//host…` is a path too, not a protocol-relative URL.
  const target = req.url ?? '/';
  const url = new URL(`http://localhost${target.startsWith('/') ? target : `/${target}`}`);
  const method = (req.method ?? 'GET').toUpperCase();
  const body = await readBody(req);

  const dev = options.devRoutes[`${method} ${url.pathname}`];
  if (dev) {
    let parsed: unknown;
    try {
      parsed = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return sendError(req, res, new AppError(400, 'MALFORMED_JSON'));
    }
    const result = await dev(parsed);
    if (result.contentType) return send(res, { statusCode: result.statusCode, headers: { 'content-type': result.contentType }, body: String(result.body) });
    return send(res, { statusCode: result.statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: jsonResponseText(result.body) });
  }

  // The API's description (/openapi.json) and its rendered reference (/api-reference): local only.
  if (method === 'GET' && serveApiReference(res, url.pathname, req.socket.localPort)) return;
  if (options.portalSite?.serve(req, res, url)) return;

  if (method === 'OPTIONS') return preflight(res, options.portalOrigin);

  const resolved = resolveRoute(method, url.pathname);
  const route: Route | undefined = resolved.route;
  if (route?.auth === 'agent' && !sameSecret(header(req, 'x-agent-key') ?? '', options.agentApiKey)) {
    // Stands in for API Gateway's IAM check, which refuses unsigned calls before any function runs.
    return sendError(req, res, new AppError(401, 'UNAUTHENTICATED'));
  }
  if (body.length > READ_LIMIT) return sendError(req, res, new AppError(413, 'PAYLOAD_TOO_LARGE', { params: { max: MAX_BODY_BYTES } }));

  const handlerName = route?.handler ?? fallbackHandler;
  const event = toApiGatewayEvent(req, url, method, body, route, resolved.route ? resolved.pathParameters : {});
  send(res, (await invokeLocally(entryOf(handlerName), handlerName, event)) as APIGatewayProxyResult);
}

const entries = new Map<string, string>();
/** A function's entry file, by handler name (joined once, not on every request). */
function entryOf(handlerName: string): string {
  let entry = entries.get(handlerName);
  if (!entry) entries.set(handlerName, (entry = path.join(FUNCTIONS_DIR, `${handlerName}.handler.ts`)));
  return entry;
}

function toApiGatewayEvent(
  req: IncomingMessage,
  url: URL,
  method: string,
  body: Buffer,
  route: Route | undefined,
  pathParameters: Record<string, string>,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query = [...url.searchParams.keys()];
  return {
    resource: route?.path ?? '/{proxy+}',
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.length ? Object.fromEntries(url.searchParams) : null,
    multiValueQueryStringParameters: query.length ? Object.fromEntries(query.map((k) => [k, url.searchParams.getAll(k)])) : null,
    // Still percent-encoded, as API Gateway REST passes them: the handlers' Middy stack decodes them.
    pathParameters: route ? pathParameters : { proxy: url.pathname.slice(1) },
    stageVariables: null,
    body: body.length > 0 ? body.toString('utf8') : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: `HTTP/${req.httpVersion}`,
      httpMethod: method,
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: header(req, 'user-agent') ?? null,
        // What IAM authorization puts here on AWS: the calling agent, recorded in the audit trail.
        userArn: route?.auth === 'agent' ? LOCAL_AGENT_ARN : null,
      } as never,
      path: url.pathname,
      stage: 'local',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: route?.path ?? '/{proxy+}',
    },
  };
}

/** Compares a presented key with the expected one in constant time. */
function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The request's body, up to just over READ_LIMIT (the rest is read and dropped). Read with the
 * stream's events rather than `for await`, whose async iterator costs every request a few
 * promises more; a request closed before its end rejects, as the iterator would.
 */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= READ_LIMIT + 1) chunks.push(chunk);
    });
    req.once('end', () => {
      ended = true;
      resolve(Buffer.concat(chunks));
    });
    req.once('error', reject);
    req.once('close', () => {
      if (!ended) reject(new Error('request closed before its body ended'));
    });
  });
}

function preflight(res: ServerResponse, origin: string): void {
  send(res, {
    statusCode: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET,POST,PUT,DELETE,OPTIONS',
      'access-control-allow-headers': 'Content-Type,Authorization,Accept-Language,Idempotency-Key,X-Correlation-Id',
      'access-control-max-age': '600',
    },
    body: '',
  });
}

/** A refusal of the local API itself, in the caller's language (negotiated only then). */
function sendError(req: IncomingMessage, res: ServerResponse, error: AppError): void {
  const language = negotiateLanguage(header(req, 'accept-language'));
  send(res, { statusCode: error.statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: jsonResponseText(errorBody(error, language)) });
}

/**
 * Writes a function's result as API Gateway does: with its `Content-Length` (none on 204 and 304,
 * which carry no body). Without it, Node would frame the body in chunks, as a stream's.
 */
function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers = { ...(result.headers as Record<string, string> | undefined) };
  if (result.statusCode !== 204 && result.statusCode !== 304) headers['content-length'] = String(Buffer.byteLength(result.body));
  res.writeHead(result.statusCode, headers);
  res.end(result.body);
}
