import type { Page } from 'playwright-core';
import { portalContentSecurityPolicy } from '../../shared/portal/security-headers';
import {
  axeViolations,
  describeInBrowser,
  mailedLink,
  newWatchedPage,
  openPortal,
  saveScreenshot,
  startHarness,
  stopHarness,
  waitReady,
  type PortalHarness,
} from '../fixtures/portal-browser';

/**
 * Every portal page, in French and in English, at a phone's width: axe-core finds no violation
 * (WCAG 2.x A/AA and best practices), the page has one `<h1>`, its language, visible labels, and
 * the security headers; a screenshot of each goes to `shared/portal/screenshots/` for the README.
 * Also: the CSP really refuses an inline script (which is why axe is evaluated, not injected).
 */
let h: PortalHarness;
let activationLink: string;
let resetLink: string;
const HOLDER = { username: 'marie.tremblay', password: 'Boulang3rie' };

beforeAll(async () => {
  h = await startHarness();
  await h.call('POST', '/v1/registrations', {
    accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', ...HOLDER,
  });
  const session = (await h.call('POST', '/v1/sessions', HOLDER)).body.sessionToken as string;
  const bearer = { authorization: `Bearer ${session}` };
  await h.call('POST', '/v1/account/users', { name: 'Luc Gagnon', email: 'luc.gagnon@example.com', role: 'secondary' }, bearer);
  await h.call('POST', '/v1/account/users', { name: 'TechnoServices', email: 'support@technoservices.example.com', role: 'technical' }, bearer);
  await h.call('POST', '/v1/activation-requests', { accountNumber: '987654321', postalCode: 'K1A 0B1' });
  activationLink = await mailedLink(h, 'john.smith@example.com', 'activation');
  await h.call('POST', '/v1/password-resets', { username: HOLDER.username });
  resetLink = await mailedLink(h, 'marie.tremblay@example.com', 'password-reset');
});
afterAll(() => stopHarness(h));

type Lang = 'fr' | 'en';
/** The link with `?lang=` set to `lang` (an English email's link already carries `?lang=en`). */
const withLang = (link: string, lang: Lang) => {
  const url = new URL(link);
  url.searchParams.set('lang', lang);
  return url.toString();
};
const labels = {
  fr: { username: "Nom d'utilisateur", password: 'Mot de passe', signIn: 'Me connecter', submitRegistration: 'M’inscrire' },
  en: { username: 'Username', password: 'Password', signIn: 'Sign in', submitRegistration: 'Register' },
};

/** Each state of a page worth checking, in an order the service's clock allows (expiry last). */
const states: { name: string; open(page: Page, lang: Lang): Promise<void> }[] = [
  { name: 'sign-in', open: (page, lang) => openPortal(page, `${h.service.url}/sign-in?lang=${lang}`) },
  { name: 'registration', open: (page, lang) => openPortal(page, `${h.service.url}/registration?lang=${lang}`) },
  {
    name: 'registration-problems',
    async open(page, lang) {
      await openPortal(page, `${h.service.url}/registration?lang=${lang}`);
      await page.locator('input[name=accountNumber]').fill('12-34');
      await page.locator('input[name=postalCode]').fill('H2X');
      await page.locator('input[name=email]').fill('marie@');
      await page.locator('input[name=username]').fill('marie tremblay');
      await page.locator('input[name=password]').fill('abc');
      await page.getByRole('button', { name: labels[lang].submitRegistration }).click();
      await page.locator('[aria-invalid=true]').nth(4).waitFor();
    },
  },
  { name: 'activation-request', open: (page, lang) => openPortal(page, `${h.service.url}/activation-request?lang=${lang}`) },
  {
    name: 'activation',
    async open(page, lang) {
      await openPortal(page, withLang(activationLink, lang));
      await page.getByLabel(labels[lang].username, { exact: true }).fill('john.smith@example.com');
      await page.locator('.suggestions button').first().waitFor();
    },
  },
  { name: 'password-reset', open: (page, lang) => openPortal(page, `${h.service.url}/password-reset?lang=${lang}`) },
  { name: 'password-reset-link', open: (page, lang) => openPortal(page, withLang(resetLink, lang)) },
  {
    name: 'account-users',
    async open(page, lang) {
      await openPortal(page, `${h.service.url}/sign-in?lang=${lang}`);
      await page.getByLabel(labels[lang].username, { exact: true }).fill(HOLDER.username);
      await page.getByLabel(labels[lang].password, { exact: true }).fill(HOLDER.password);
      await page.getByRole('button', { name: labels[lang].signIn, exact: true }).click();
      await page.waitForURL(/\/account\/users/);
      await waitReady(page);
      await page.locator('table tbody tr').nth(2).waitFor();
    },
  },
  {
    name: 'activation-expired',
    async open(page, lang) {
      // Once, before the first language: five days later on the service's clock.
      if (lang === 'fr') await h.call('POST', '/__dev/clock', { advanceSeconds: 432_001 });
      await openPortal(page, withLang(activationLink, lang));
      await page.locator('.next-steps').waitFor();
    },
  },
];

describeInBrowser('portal accessibility and screenshots', () => {
  const cases = states.flatMap((state) => (['fr', 'en'] as const).map((lang) => ({ ...state, lang })));

  test.each(cases)('$name ($lang): no axe violation, one h1, visible labels, security headers', async ({ name, open, lang }) => {
    const { page, context, problems } = await newWatchedPage(h.browser, { width: 400, height: 800 });
    try {
      const documents: Record<string, string>[] = [];
      page.on('response', (response) => response.request().resourceType() === 'document' && documents.push(response.headers()));
      await open(page, lang);

      expect(await page.evaluate('document.documentElement.lang')).toBe(lang);
      expect(await page.locator('h1').count()).toBe(1);
      const inputs = page.locator('input:not([type=hidden])');
      for (let i = 0; i < (await inputs.count()); i++) {
        const id = await inputs.nth(i).getAttribute('id');
        expect(await page.locator(`label[for="${id}"]`).isVisible()).toBe(true);
      }
      for (const headers of documents) {
        expect(headers).toMatchObject({
          'content-security-policy': portalContentSecurityPolicy(''),
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
          'x-frame-options': 'DENY',
        });
      }
      // Nothing sideways at 400 px.
      expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);

      const violations = await axeViolations(page);
      expect(violations).toEqual([]);
      await saveScreenshot(page, `${name}.${lang}`);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('npm start serves only the built files, GET and HEAD, with their headers; the rest is the API’s', async () => {
    const base = h.service.url;
    const home = await fetch(`${base}/?lang=en`, { redirect: 'manual' });
    expect([home.status, home.headers.get('location')]).toEqual([302, '/sign-in?lang=en']);

    const page = await fetch(`${base}/account/users`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const script = /src="([^"]+\.js)"/.exec(await page.text())![1]!;
    const asset = await fetch(`${base}${script}`, { method: 'HEAD' });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Number(asset.headers.get('content-length'))).toBeGreaterThan(1000);
    expect(asset.headers.get('x-frame-options')).toBe('DENY');

    // Anything that is not a built file goes on to the API, which answers in its own error format.
    for (const path of ['/assets/../package.json', '/%2e%2e/package.json', '/assets/%2e%2e%2fpackage.json', '/sign-in/../../tsconfig.json', '/nothing-here']) {
      const response = await fetch(`${base}${path}`);
      expect([path, response.status, ((await response.json()) as { error: { code: string } }).error.code]).toEqual([path, 404, 'NOT_FOUND']);
    }
    const post = await fetch(`${base}/activation`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(post.status).toBeGreaterThanOrEqual(400);
    expect(post.status).toBeLessThan(500);
  });

  test('the CSP refuses an inline script, and the watch reports it', async () => {
    const { page, context, problems } = await newWatchedPage(h.browser);
    try {
      await openPortal(page, `${h.service.url}/sign-in`);
      await page.evaluate("(() => { const s = document.createElement('script'); s.textContent = 'window.__inlineRan = true'; document.body.append(s); })()");
      // The violation event is what proves the refusal; wait for it (it is dispatched asynchronously).
      const reported = () => problems.some((p) => p.startsWith('CSP violation: script-src'));
      for (let i = 0; i < 100 && !reported(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(reported()).toBe(true);
      expect(problems.some((p) => p.includes('Content Security Policy'))).toBe(true);
      expect(await page.evaluate('window.__inlineRan === true')).toBe(false);
    } finally {
      await context.close();
    }
  });
});
