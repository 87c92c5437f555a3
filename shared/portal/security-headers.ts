/**
 * The response headers every portal file is served with, locally and by CloudFront. The pages
 * are static files with no inline script or style, so the policy allows only the portal's own
 * files and calls to the API's origin.
 */

/** The Content-Security-Policy of the portal; `apiOrigin` is where its fetch calls go. */
export function portalContentSecurityPolicy(apiOrigin: string): string {
  const connect = apiOrigin && apiOrigin !== 'self' ? `'self' ${apiOrigin}` : "'self'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Every security header of a portal response (lower-case names). */
export function portalSecurityHeaders(apiOrigin: string): Record<string, string> {
  return {
    'content-security-policy': portalContentSecurityPolicy(apiOrigin),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}
