import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildPortal } from '../../shared/portal/build';
import { HOME_PAGE_ROUTE, PORTAL_PAGES } from '../../shared/portal/pages';
import { portalSecurityHeaders } from '../../shared/portal/security-headers';

/**
 * The portal's pages on the local stack, at `PORTAL_URL` (the API's own origin, so the emails'
 * links open them): built with esbuild when the stack starts, held in memory, and served with
 * the headers CloudFront sends. Only the files the build wrote can be served, so no request path
 * can reach anything else on disk.
 */
export interface PortalSite {
  /** Answers a GET or HEAD for a portal path and returns true; false when the path is not the portal's. */
  serve(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
}

export interface PortalSiteOptions {
  /** `PORTAL_URL`'s path (`''` at the root): the pages answer under it. */
  basePath: string;
  customerServicePhone: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Builds the portal into a temporary folder, loads it, and returns the request handler. */
export async function startPortalSite(options: PortalSiteOptions): Promise<PortalSite> {
  const basePath = options.basePath.replace(/\/+$/, '');
  // A folder per stack: tests start several stacks at once, and none may replace another's files.
  const outDir = mkdtempSync(path.join(tmpdir(), 'portal-'));
  let files: Map<string, { body: Buffer; type: string; immutable: boolean }>;
  try {
    const report = await buildPortal(outDir, { apiUrl: '', basePath, customerServicePhone: options.customerServicePhone });
    files = new Map(
      report.files.map((file) => [
        `/${file.path}`,
        { body: readFileSync(path.join(outDir, file.path)), type: TYPES[path.extname(file.path)] ?? 'application/octet-stream', immutable: file.path.startsWith('assets/') },
      ]),
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  const routes = new Map(PORTAL_PAGES.map((page) => [page.route, `/${page.file}`]));
  // Same origin locally: the API is `'self'`.
  const security = portalSecurityHeaders('');

  return {
    serve(req, res, url) {
      const method = (req.method ?? 'GET').toUpperCase();
      if (method !== 'GET' && method !== 'HEAD') return false;
      if (basePath && url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) return false;
      const local = url.pathname.slice(basePath.length) || '/';
      if (local === '/') {
        res.writeHead(302, { location: `${basePath}${HOME_PAGE_ROUTE}${url.search}`, ...security });
        res.end();
        return true;
      }
      const file = files.get(routes.get(local.replace(/\/+$/, '')) ?? local);
      if (!file) return false;
      res.writeHead(200, {
        'content-type': file.type,
        'content-length': String(file.body.length),
        // Hashed asset names change with their content; pages and config.json are always revalidated.
        'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        ...security,
      });
      res.end(method === 'HEAD' ? undefined : file.body);
      return true;
    },
  };
}
