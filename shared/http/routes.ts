/**
 * The HTTP API v1 route table: the one list that the CDK app turns into API Gateway resources
 * and that the local stack serves. Each route is one Lambda function whose entry is
 * `functions/api/<handler>.handler.ts`.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

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
  {
    method: 'PUT',
    path: '/v1/sessions/current/password',
    handler: 'change-password',
    auth: 'session',
    body: true,
  },
  { method: 'POST', path: '/v1/password-resets', handler: 'request-password-reset', auth: 'public', body: true },
  { method: 'POST', path: '/v1/password-resets/verify', handler: 'verify-password-reset', auth: 'public', body: true },
  { method: 'POST', path: '/v1/password-resets/complete', handler: 'complete-password-reset', auth: 'public', body: true },
  { method: 'POST', path: '/v1/username-reminders', handler: 'request-username-reminder', auth: 'public', body: true },
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
  {
    method: 'DELETE',
    path: '/v1/agent/accounts/{accountNumber}/lockouts',
    handler: 'agent-clear-lockouts',
    auth: 'agent',
    body: false,
  },
];

/** The function that answers 404 `NOT_FOUND` and 405 `METHOD_NOT_ALLOWED` for everything else. */
export const fallbackHandler = 'route-not-found';

/** Maximum size of a request body, in bytes (16 KiB); larger bodies get 413. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Matches a path against a resource path and yields its path parameters as they appear in the
 * path, still percent-encoded, as API Gateway REST passes them: the Middy stack decodes them once.
 */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const { pattern, names } = compiledTemplate(template);
  const match = pattern.exec(path);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  names.forEach((name, i) => {
    params[name] = match[i + 1]!;
  });
  return params;
}

// Every request is matched against every route: each template becomes a RegExp once.
const compiledTemplates = new Map<string, { pattern: RegExp; names: string[] }>();

function compiledTemplate(template: string): { pattern: RegExp; names: string[] } {
  let compiled = compiledTemplates.get(template);
  if (!compiled) {
    const names: string[] = [];
    const source = template
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{(\w+)\}/g, (_match, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
    compiled = { pattern: new RegExp(`^${source}$`), names };
    compiledTemplates.set(template, compiled);
  }
  return compiled;
}

/**
 * Finds the route for a method and path (path parameters still encoded, see `matchPath`);
 * `allowed` lists the methods of a path that exists.
 */
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
