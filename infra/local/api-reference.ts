import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { buildOpenApiDocument, LOCAL_SERVER_URL, openApiJson, type JsonObject } from '../../shared/http/openapi';

/**
 * The local stack's API description (spec §8): `GET /openapi.json`, the document generated from
 * the code (the same as docs/openapi.json, whose freshness test/unit/openapi.test.ts checks),
 * and `GET /api-reference`, Swagger UI rendering it, served from node_modules (swagger-ui-dist):
 * nothing is fetched from elsewhere. Local only; the deployed API serves neither.
 */

export const OPENAPI_PATH = '/openapi.json';
export const API_REFERENCE_PATH = '/api-reference';

const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
/** The files of swagger-ui-dist the page loads, by the name it asks for. */
const SWAGGER_UI_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

// The page's one script is a file of its own, so the policy can forbid inline scripts. Swagger UI
// sets inline styles; it must not call any validator or other remote service.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Business portal registration API — reference</title>
<link rel="icon" type="image/png" href="${API_REFERENCE_PATH}/favicon-32x32.png">
<link rel="stylesheet" href="${API_REFERENCE_PATH}/swagger-ui.css">
</head>
<body>
<main id="api-reference"><noscript>The reference needs JavaScript; the description itself is at <a href="${OPENAPI_PATH}">${OPENAPI_PATH}</a>.</noscript></main>
<script src="${API_REFERENCE_PATH}/swagger-ui-bundle.js"></script>
<script src="${API_REFERENCE_PATH}/init.js"></script>
</body>
</html>
`;

const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(OPENAPI_PATH)},
  dom_id: '#api-reference',
  deepLinking: true,
  validatorUrl: null,
  defaultModelsExpandDepth: 0,
});
`;

let documentCache: JsonObject | undefined;
const fileCache = new Map<string, Buffer>();

/**
 * Answers `GET /openapi.json`, `GET /api-reference` and the page's files; false for anything else.
 * `localPort` is this server's port: the description's local server entry points at it.
 */
export function serveApiReference(res: ServerResponse, pathname: string, localPort: number | undefined): boolean {
  if (pathname === OPENAPI_PATH) {
    documentCache ??= buildOpenApiDocument();
    send(res, 'application/json; charset=utf-8', openApiJson(withLocalServer(documentCache, localPort)));
    return true;
  }
  if (pathname === API_REFERENCE_PATH || pathname === `${API_REFERENCE_PATH}/`) {
    send(res, 'text/html; charset=utf-8', PAGE, { 'content-security-policy': CONTENT_SECURITY_POLICY });
    return true;
  }
  if (!pathname.startsWith(`${API_REFERENCE_PATH}/`)) return false;
  const name = pathname.slice(API_REFERENCE_PATH.length + 1);
  if (name === 'init.js') {
    send(res, 'text/javascript; charset=utf-8', INIT_SCRIPT);
    return true;
  }
  // Only the files listed: a name is never joined to a path unchecked.
  const type = SWAGGER_UI_FILES[name];
  if (!type) return false;
  let body = fileCache.get(name);
  if (!body) {
    body = readFileSync(path.join(SWAGGER_UI_DIR, name));
    fileCache.set(name, body);
  }
  send(res, type, body);
  return true;
}

/** The document with its local server at this stack's own port (tests pick a free one). */
function withLocalServer(document: JsonObject, localPort: number | undefined): JsonObject {
  if (!localPort) return document;
  const servers = (document.servers as JsonObject[]).map((server) =>
    server.url === LOCAL_SERVER_URL ? { ...server, url: `http://localhost:${localPort}` } : server,
  );
  return { ...document, servers };
}

function send(res: ServerResponse, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(body);
}
