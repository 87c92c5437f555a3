/**
 * The HTTP API v1 route table: the one list that the CDK app turns into API Gateway resources
 * and that the local stack serves. Each route is one Lambda function whose entry is
 * `functions/api/<handler>.handler.ts`.
 */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** Who may call a route: anyone, a signed-in portal user (bearer session), or an agent (IAM on AWS). */
export type RouteAuth = 'public' | 'session' | 'agent';

export interface Route {
  method: HttpMethod;
  /** API Gateway resource path, with `{param}` placeholders. */
  path: string;
  /** Kebab-case function name; also the entry file's stem. */
  handler: string;
  auth: RouteAuth;
  /** Whether the route takes a JSON body (and so answers 415/413/MALFORMED_JSON). */
  body: boolean;
}

export const routes: readonly Route[] = [
  { method: 'GET', path: '/v1/health', handler: 'health', auth: 'public', body: false },
  { method: 'POST', path: '/v1/activation-requests', handler: 'request-activation', auth: 'public', body: true },
  { method: 'POST', path: '/v1/activations/verify', handler: 'verify-activation', auth: 'public', body: true },
  {
    method: 'GET',
    path: '/v1/usernames/{username}/availability',
    handler: 'username-availability',
    auth: 'public',
    body: false,
  },
  { method: 'POST', path: '/v1/registrations', handler: 'register', auth: 'public', body: true },
  { method: 'POST', path: '/v1/sessions', handler: 'sign-in', auth: 'public', body: true },
  { method: 'DELETE', path: '/v1/sessions/current', handler: 'sign-out', auth: 'session', body: false },
  { method: 'GET', path: '/v1/account/users', handler: 'list-account-users', auth: 'session', body: false },
  { method: 'POST', path: '/v1/account/users', handler: 'add-account-user', auth: 'session', body: true },
  {
    method: 'POST',
    path: '/v1/account/users/{userId}/invitation',
    handler: 'resend-invitation',
    auth: 'session',
    body: false,
  },
  { method: 'DELETE', path: '/v1/account/users/{userId}', handler: 'remove-account-user', auth: 'session', body: false },
  {
    method: 'POST',
    path: '/v1/agent/accounts/{accountNumber}/activation-email',
    handler: 'agent-send-activation',
    auth: 'agent',
    body: false,
  },
  {
    method: 'GET',
    path: '/v1/agent/accounts/{accountNumber}/registration',
    handler: 'agent-registration-status',
    auth: 'agent',
    body: false,
  },
];

/** The function that answers 404 `NOT_FOUND` and 405 `METHOD_NOT_ALLOWED` for everything else. */
export const fallbackHandler = 'route-not-found';

/** Maximum size of a request body, in bytes (16 KiB); larger bodies get 413. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Turns a resource path into a matcher that yields its path parameters. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template
    .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
    .replace(/\{(\w+)\}/g, (_match, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
  const match = new RegExp(`^${pattern}$`).exec(path);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  names.forEach((name, i) => {
    params[name] = safeDecode(match[i + 1]!);
  });
  return params;
}

/** Finds the route for a method and path; `allowed` lists the methods of a path that exists. */
export function resolveRoute(
  method: string,
  path: string,
): { route: Route; pathParameters: Record<string, string> } | { route: undefined; allowed: HttpMethod[] } {
  const allowed: HttpMethod[] = [];
  for (const route of routes) {
    const pathParameters = matchPath(route.path, path);
    if (!pathParameters) continue;
    if (route.method === method) return { route, pathParameters };
    allowed.push(route.method);
  }
  return { route: undefined, allowed };
}

/** Decodes a path segment; a malformed escape is kept as typed rather than failing the request. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
