import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { HOME_PAGE_ROUTE, PORTAL_PAGES, type PortalPage } from './pages';

/**
 * Builds the portal's static files with esbuild: one HTML file per page (`<route>/index.html`,
 * and `index.html` for `/`), one script bundle per page and one style sheet under `assets/`
 * (content-hashed names, so they can be cached for good), and `config.json`, which tells the
 * pages where the API is. No inline script or style anywhere: the strict CSP of
 * `security-headers.ts` holds. The CDK stack calls `buildPortalSync` at synth time; the local
 * stack and `npm run portal:build` call `buildPortal`.
 */

const SOURCE_DIR = path.join(__dirname, 'src');
const STYLES = path.join(__dirname, 'styles', 'portal.css');
const ASSETS = 'assets';

export interface PortalBuildOptions {
  /**
   * Base URL of the API the pages call, without `/v1` and without a trailing slash
   * (`https://abc.execute-api.ca-central-1.amazonaws.com/prod`); `''` means the portal's own origin,
   * as on the local stack.
   */
  apiUrl: string;
  /** Business Customer Service's phone number, shown when a link can no longer be used. */
  customerServicePhone?: string;
  /**
   * Path under which the portal is served (`''` at the origin's root, the default). Links and
   * assets are absolute paths under it.
   */
  basePath?: string;
  /**
   * Write `config.json` from `apiUrl` and `customerServicePhone` (default true). A deployment whose
   * API URL is only known at deploy time writes it itself, from `portalConfig(...)`.
   */
  writeConfig?: boolean;
  /** Minify the bundles (default true). */
  minify?: boolean;
  /** Write source maps beside the bundles (default false). */
  sourcemap?: boolean;
}

/** What the pages read from `config.json` at load. */
export interface PortalConfig {
  apiUrl: string;
  customerServicePhone: string;
}

/** One file written by the build. */
export interface BuiltFile {
  /** Relative to the build folder, with `/` separators. */
  path: string;
  bytes: number;
  /** Size once gzip-compressed (level 9), what a browser downloads from a compressing CDN. */
  gzipBytes: number;
}

/** One page and everything a browser downloads to show it. */
export interface BuiltPage {
  route: string;
  /** Its HTML file. */
  file: string;
  /** The HTML, its script, the style sheet, `config.json` and the icon. */
  transferred: string[];
  bytes: number;
  gzipBytes: number;
}

export interface BuildReport {
  outDir: string;
  pages: BuiltPage[];
  files: BuiltFile[];
  /** Every file once (the style sheet and `config.json` are shared by the pages). */
  totalBytes: number;
  totalGzipBytes: number;
}

const DEFAULT_PHONE = '1 800 555-0100';
/** The 404 page the host answers with for a path that holds no file (CloudFront's error page). */
export const NOT_FOUND_FILE = '404.html';

// The header's brand mark, as a file: browsers ask for an icon, and a missing one is a 404.
const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1b2a41"/><path d="M7 7h18L7 25z" fill="#ffd23f"/><path d="M25 7v18H7z" fill="#fff"/></svg>\n';

/** The content of `config.json` for these options. */
export function portalConfig(options: Pick<PortalBuildOptions, 'apiUrl' | 'customerServicePhone'>): PortalConfig {
  return { apiUrl: options.apiUrl.replace(/\/+$/, ''), customerServicePhone: options.customerServicePhone ?? DEFAULT_PHONE };
}

function entrySource(page: PortalPage): string {
  return path.join(SOURCE_DIR, 'pages', `${page.entry}.ts`);
}

function esbuildOptions(outDir: string, options: PortalBuildOptions): esbuild.BuildOptions & { metafile: true } {
  return {
    entryPoints: [...PORTAL_PAGES.map((page) => ({ in: entrySource(page), out: page.entry })), { in: STYLES, out: 'portal' }],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: options.minify ?? true,
    sourcemap: options.sourcemap ?? false,
    outdir: path.join(outDir, ASSETS),
    entryNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    charset: 'utf8',
  };
}

/** Builds the portal into `outDir` (created if needed; its `assets/` are replaced). */
export async function buildPortal(outDir: string, options: PortalBuildOptions): Promise<BuildReport> {
  prepare(outDir);
  const result = await esbuild.build(esbuildOptions(outDir, options));
  return finish(outDir, options, result.metafile);
}

/** The same build, synchronously: for the CDK app, which synthesizes without awaiting. */
export function buildPortalSync(outDir: string, options: PortalBuildOptions): BuildReport {
  prepare(outDir);
  const result = esbuild.buildSync(esbuildOptions(outDir, options));
  return finish(outDir, options, result.metafile);
}

function prepare(outDir: string): void {
  // Only what this build owns is removed: `outDir` may be a folder the caller shares.
  rmSync(path.join(outDir, ASSETS), { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
}

function finish(outDir: string, options: PortalBuildOptions, metafile: esbuild.Metafile): BuildReport {
  const base = (options.basePath ?? '').replace(/\/+$/, '');
  const relative = (file: string) => path.relative(outDir, path.resolve(file)).split(path.sep).join('/');
  // Outputs are matched to their entry by source path (names alone are ambiguous: `activation-…`
  // is also the start of `activation-request-…`).
  const outputFor = (source: string, extension: string): string => {
    const found = Object.entries(metafile.outputs).find(
      ([file, output]) => output.entryPoint !== undefined && path.resolve(output.entryPoint) === source && file.endsWith(extension),
    );
    if (!found) throw new Error(`The portal build has no ${extension} output for ${source}.`);
    return relative(found[0]);
  };
  const stylesheet = outputFor(STYLES, '.css');

  const written = new Set<string>();
  const write = (file: string, content: string) => {
    const full = path.join(outDir, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
    written.add(file);
  };
  if (options.writeConfig ?? true) write('config.json', `${JSON.stringify(portalConfig(options))}\n`);
  write('favicon.svg', FAVICON);

  const pages: { page: PortalPage; file: string; script: string }[] = [];
  for (const page of PORTAL_PAGES) {
    const script = outputFor(entrySource(page), '.js');
    const html = pageHtml({ base, script, stylesheet });
    write(page.file, html);
    pages.push({ page, file: page.file, script });
    if (page.route === HOME_PAGE_ROUTE) write('index.html', html);
  }
  write(NOT_FOUND_FILE, notFoundPageHtml({ base, stylesheet }));
  for (const file of Object.keys(metafile.outputs)) written.add(relative(file));

  const files = [...written].sort().map((file) => measure(outDir, file));
  const sizeOf = (file: string) => files.find((f) => f.path === file);
  const builtPages = pages.map(({ page, file, script }) => {
    const transferred = [file, script, stylesheet, 'config.json', 'favicon.svg'].filter((f) => sizeOf(f));
    return {
      route: page.route,
      file,
      transferred,
      bytes: transferred.reduce((sum, f) => sum + sizeOf(f)!.bytes, 0),
      gzipBytes: transferred.reduce((sum, f) => sum + sizeOf(f)!.gzipBytes, 0),
    };
  });
  return {
    outDir,
    pages: builtPages,
    files,
    totalBytes: files.reduce((sum, f) => sum + f.bytes, 0),
    totalGzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0),
  };
}

function measure(outDir: string, file: string): BuiltFile {
  const content = readFileSync(path.join(outDir, file));
  return { path: file, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
}

/** The head every HTML file of the portal starts with: no inline script or style (the CSP). */
function documentStart(refs: { base: string; stylesheet: string; title: string; script?: string }): string[] {
  return [
    '<!doctype html>',
    '<html lang="fr" dir="ltr">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${refs.title}</title>`,
    `<link rel="icon" href="${refs.base}/favicon.svg" type="image/svg+xml">`,
    `<link rel="stylesheet" href="${refs.base}/${refs.stylesheet}">`,
    ...(refs.script ? [`<script type="module" src="${refs.base}/${refs.script}"></script>`] : []),
    '</head>',
  ];
}

/**
 * The HTML of a page: a shell that the page's script fills in the reader's language. The
 * `noscript` text is in both languages, since without the script no language is chosen.
 */
function pageHtml(refs: { base: string; script: string; stylesheet: string }): string {
  return [
    ...documentStart({ ...refs, title: 'Espace client Affaires' }),
    `<body data-base="${refs.base}">`,
    '<noscript><p class="noscript">Activez JavaScript pour utiliser l’Espace client Affaires. — Turn on JavaScript to use the Business Customer Portal.</p></noscript>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * The page a host answers with, status 404, for a path that holds no file (CloudFront's error
 * response): static, in both languages (no script picks one), styled by the pages' style sheet.
 */
function notFoundPageHtml(refs: { base: string; stylesheet: string }): string {
  const home = `${refs.base}${HOME_PAGE_ROUTE}`;
  return [
    ...documentStart({ ...refs, title: 'Page introuvable — Espace client Affaires' }),
    '<body>',
    '<header class="site-header"><div class="site-header__inner">',
    `<a class="brand" href="${home}"><span class="brand__mark" aria-hidden="true"></span>Espace client Affaires</a>`,
    '</div></header>',
    '<main id="main">',
    '<h1>Page introuvable</h1>',
    '<div class="card">',
    `<p>Aucune page ne se trouve à cette adresse. <a href="${home}">Aller à la page de connexion de l’Espace client Affaires</a></p>`,
    '</div>',
    '<div class="card" lang="en">',
    '<h2>Page not found</h2>',
    `<p>There is no page at this address. <a href="${home}">Go to the Business Customer Portal sign-in page</a></p>`,
    '</div>',
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
