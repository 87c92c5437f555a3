import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildPortal, buildPortalSync, type BuildReport } from '../../shared/portal/build';
import { PORTAL_PAGES } from '../../shared/portal/pages';

/**
 * The portal's build (no browser needed): every page is written, its HTML holds no inline
 * script or style (the strict CSP would refuse them), each page transfers under 100 KB gzip,
 * `config.json` says where the API is, and the synchronous build (the CDK's) writes the same files.
 */
let dir: string;
let report: BuildReport;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'portal-build-test-'));
  report = await buildPortal(path.join(dir, 'async'), { apiUrl: 'https://api.example.com/prod/', customerServicePhone: '1 800 555-0199' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('buildPortal', () => {
  it('writes one HTML file per page, and index.html for /', () => {
    expect(report.pages.map((p) => p.route)).toEqual(PORTAL_PAGES.map((p) => p.route));
    for (const page of PORTAL_PAGES) expect(report.files.map((f) => f.path)).toContain(page.file);
    expect(report.files.map((f) => f.path)).toContain('index.html');
  });

  it('writes pages with no inline script or style, referring only to their own files', () => {
    for (const page of report.pages) {
      const entry = PORTAL_PAGES.find((p) => p.route === page.route)!.entry;
      const html = readFileSync(path.join(report.outDir, page.file), 'utf8');
      expect(html).toMatch(/^<!doctype html>\n<html lang="fr"/);
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=|javascript:/i);
      // Every <script> has a src on the portal's own origin, and nothing else is inline.
      const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts).toHaveLength(1);
      // Its own bundle (`activation-…`, not `activation-request-…`).
      expect(scripts[0]![1]).toMatch(new RegExp(` src="/assets/${entry}-[A-Z0-9]+\\.js"`));
      expect(scripts[0]![2]).toBe('');
      for (const ref of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(report.files.map((f) => `/${f.path}`)).toContain(ref[1]);
    }
  });

  it('keeps every page under 100 KB transferred (gzip)', () => {
    for (const page of report.pages) {
      expect(page.transferred).toEqual(expect.arrayContaining([page.file, 'config.json']));
      expect(page.gzipBytes).toBeLessThan(100 * 1024);
      expect(page.gzipBytes).toBeLessThan(page.bytes);
    }
  });

  it('writes config.json with the API URL (no trailing slash) and the Customer Service number', () => {
    expect(JSON.parse(readFileSync(path.join(report.outDir, 'config.json'), 'utf8'))).toEqual({
      apiUrl: 'https://api.example.com/prod',
      customerServicePhone: '1 800 555-0199',
    });
  });

  it('builds the same files synchronously, for the CDK app', () => {
    const sync = buildPortalSync(path.join(dir, 'sync'), { apiUrl: 'https://api.example.com/prod/', customerServicePhone: '1 800 555-0199' });
    expect(sync.files).toEqual(report.files);
    for (const file of sync.files) {
      expect(readFileSync(path.join(sync.outDir, file.path))).toEqual(readFileSync(path.join(report.outDir, file.path)));
    }
  });

  it('leaves config.json to the deployment when asked to', () => {
    const withoutConfig = buildPortalSync(path.join(dir, 'no-config'), { apiUrl: '', writeConfig: false });
    expect(withoutConfig.files.map((f) => f.path)).not.toContain('config.json');
  });
});
