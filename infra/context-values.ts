import type { Construct } from 'constructs';

/**
 * What every stack's settings reader shares: one error listing every problem, a reader of
 * string context values, and the checks two stacks make alike (URLs, the phone number).
 */

/** Context values that cannot be used; `problems` holds one line per value. */
export class InvalidContextError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid CDK context: ${problems.join('; ')}. Set values with -c key=value or in cdk.json "context" (see README).`);
    this.name = 'InvalidContextError';
  }
}

/**
 * A reader of string context values: a missing required value or a non-string is pushed to
 * `problems` (and read as undefined); strings come back trimmed.
 */
export function contextReader(scope: Construct, problems: string[]): (key: string, required: boolean) => string | undefined {
  return (key, required) => {
    const value: unknown = scope.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') {
      if (required) problems.push(`"${key}" is missing`);
      return undefined;
    }
    if (typeof value !== 'string') {
      problems.push(`"${key}" must be a string, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value.trim();
  };
}

const PHONE_PATTERN = /^\+?[0-9][0-9 ().-]{5,38}[0-9]$/;

/** The problem of a phone number given as a context value (digits, spaces, `+ - ( ) .`), if any. */
export function phoneProblem(key: string, value: string): string | undefined {
  if (PHONE_PATTERN.test(value) && value.replace(/\D/g, '').length >= 7) return undefined;
  return `"${key}" must be a phone number of digits, spaces, "+", "-", "(", ")" or "." (got ${JSON.stringify(value)})`;
}

/**
 * Checks an https URL given as a context value: every problem at once (scheme, credentials,
 * query, fragment; a bare `?` or `#` counts, though `URL` drops it). Returns the URL without
 * trailing slash and its origin when it has none.
 */
export function checkHttpsUrl(key: string, raw: string, options: { allowLocalHttp: boolean }): { problems: string[]; url?: string; origin?: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problems: [`"${key}" is not a URL (got ${JSON.stringify(raw)})`] };
  }
  const problems: string[] = [];
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(options.allowLocalHttp && url.protocol === 'http:' && local)) {
    problems.push(`"${key}" must use https${options.allowLocalHttp ? ' (http only for localhost)' : ''} (got ${JSON.stringify(raw)})`);
  }
  if (url.username || url.password) problems.push(`"${key}" must have no credentials (got ${JSON.stringify(url.origin + url.pathname)})`);
  if (url.search || raw.includes('?')) problems.push(`"${key}" must have no query (got ${JSON.stringify(raw)})`);
  if (url.hash || raw.includes('#')) problems.push(`"${key}" must have no fragment (got ${JSON.stringify(raw)})`);
  if (problems.length > 0) return { problems };
  return { problems, url: `${url.origin}${url.pathname}`.replace(/\/+$/, ''), origin: url.origin };
}
