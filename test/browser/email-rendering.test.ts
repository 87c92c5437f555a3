import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { allSampleEmails } from '../../infra/tools/email-samples';
import { renderMailbox } from '../../infra/local/mailbox-page';

/**
 * Every email (fr, en) rendered by Debian's Chromium at a phone's width (320 px) and a desktop
 * mail client's (800 px): nothing overflows sideways, the button is above the fold, no request
 * leaves the page. Screenshots go to `test-results/emails/`; with `UPDATE_EMAIL_SCREENSHOTS=1`
 * the activation email's (fr, en, 800 px) are also written to `shared/email/screenshots/` for the README.
 */
const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '../..');
const SHOTS = path.join(ROOT, 'test-results/emails');
const FOLD = 800;

// Only a developer's machine without Chromium skips; in CI a missing browser fails the test.
const skip = !existsSync(CHROMIUM) && !process.env.CI;
if (skip) console.warn(`Skipping the email rendering tests: ${CHROMIUM} is missing (apt-get install -y chromium). In CI they run.`);
const describeInBrowser = skip ? describe.skip : describe;

describeInBrowser('emails in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(() => browser?.close());

  async function open(html: string, width: number): Promise<{ page: Page; requests: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: FOLD } });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.setContent(html, { waitUntil: 'load' });
    return { page, requests };
  }

  const cases = allSampleEmails().flatMap((sample) => [320, 800].map((width) => ({ ...sample, width })));
  test.each(cases)('$name at $width px: no horizontal overflow, the button above the fold', async ({ name, language, email, width }) => {
    const { page, requests } = await open(email.html, width);
    try {
      // A string, so that the test needs no DOM types: it runs in the page.
      const layout = (await page.evaluate(
        '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, lang: document.documentElement.lang })',
      )) as { scrollWidth: number; innerWidth: number; lang: string };
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
      expect(layout.lang).toBe(language);

      // Every email has its button but the "password changed" notice, which has none.
      const button = page.locator('td[bgcolor] > a');
      expect(await button.count()).toBe(name.startsWith('password-changed.') ? 0 : 1);
      if ((await button.count()) === 1) {
        await expect(button.isVisible()).resolves.toBe(true);
        const box = (await button.boundingBox())!;
        expect(box.y + box.height).toBeLessThanOrEqual(FOLD);
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(width);
        // The fallback link wraps inside the card instead of widening it.
        const fallback = (await page.locator('p > a').boundingBox())!;
        expect(fallback.x + fallback.width).toBeLessThanOrEqual(width);
      }
      // Nothing remote: no image, font or tracking request.
      expect(requests.filter((url) => !url.startsWith('about:') && !url.startsWith('data:'))).toEqual([]);

      const png = await page.screenshot({ fullPage: true });
      writeFileSync(path.join(SHOTS, `${name}.${width}.png`), png);
      if (process.env.UPDATE_EMAIL_SCREENSHOTS && name.startsWith('activation.') && width === 800) {
        writeFileSync(path.join(ROOT, 'shared/email/screenshots', `${name}.png`), png);
      }
    } finally {
      await page.close();
    }
  });

  test('the local mailbox page renders the email and its link opens, as a customer clicks it', async () => {
    const { email } = allSampleEmails().find((s) => s.name === 'activation.fr')!;
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    try {
      // The sample's portal is http://localhost:3000: answer it here, whatever runs on that port.
      await page.context().route('http://localhost:3000/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>portal</title>' }));
      await page.setContent(
        renderMailbox([{ id: '1', to: ['marie.tremblay@example.com'], from: 'no-reply@example.com', subject: email.subject, text: email.text, html: email.html, sentAt: '2026-12-01T15:46:00.000Z' }]),
      );
      const frame = page.frameLocator('iframe').first();
      await expect(frame.locator('h1').textContent()).resolves.toBe('Votre courriel d’activation');
      const [popup] = await Promise.all([page.waitForEvent('popup'), frame.locator('td[bgcolor] > a').click()]);
      expect(popup.url()).toMatch(/^http:\/\/localhost:3000\/activation#token=[A-Za-z0-9_-]+$/);
      await popup.close();
    } finally {
      await page.close();
    }
  });
});
