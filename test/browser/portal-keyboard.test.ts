import type { Page } from 'playwright-core';
import {
  describeInBrowser,
  focused,
  mailedLink,
  newWatchedPage,
  openPortal,
  startHarness,
  stopHarness,
  waitReady,
  type PortalHarness,
} from '../fixtures/portal-browser';

/**
 * One run with the keyboard only (Tab, Shift+Tab, Enter, arrows and typing; no mouse event ever
 * reaches a page): from the activation link to registration, sign-in, User Management (add and
 * remove a person) and sign-out. Checks the focus order, that the focus is always visible, that
 * a refused submit puts the focus on the first field in error, and that suggestions are buttons.
 */
let h: PortalHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

/** Where the focus is, and whether it shows (a visible outline of 2 px or more). */
async function focusShown(page: Page): Promise<boolean> {
  return (await page.evaluate(`(() => {
    const s = getComputedStyle(document.activeElement);
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  })()`)) as boolean;
}

/** Presses `key` until the focused element matches, at most `max` times; returns what was focused on the way. */
async function tabTo(page: Page, matches: (f: Awaited<ReturnType<typeof focused>>) => boolean, key = 'Tab', max = 12): Promise<string[]> {
  const path: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const f = await focused(page);
    path.push(f.label || f.text || f.tag);
    expect(await focusShown(page)).toBe(true);
    if (matches(f)) return path;
  }
  throw new Error(`focus never reached the target; went through ${JSON.stringify(path)}`);
}

describeInBrowser('the portal with the keyboard only', () => {
  test('registers from the activation link, signs in, manages users and signs out without a mouse', async () => {
    const { page, context, problems } = await newWatchedPage(h.browser);
    let mouseEvents = 0;
    await context.exposeBinding('__mouseEvent', () => void mouseEvents++);
    await context.addInitScript({ content: "for (const type of ['mousedown', 'click']) addEventListener(type, (e) => { if (e.detail > 0 || e.pointerType) window.__mouseEvent(); }, true);" });

    await h.call('POST', '/v1/activation-requests', { accountNumber: '123456789', postalCode: 'H2X 1Y4' });
    await openPortal(page, await mailedLink(h, 'marie.tremblay@example.com', 'activation'));

    // First stop: the skip link, visible once focused; it leads into <main>.
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'a', text: 'Aller au contenu principal' });
    expect((await page.locator('.skip-link').boundingBox())!.y).toBeGreaterThanOrEqual(0);
    await page.keyboard.press('Enter');
    expect((await focused(page)).id).toBe('main');
    await page.keyboard.press('Tab');
    expect((await focused(page)).label).toBe("Nom d'utilisateur");

    // Suggestions are buttons, next in the focus order; Enter takes one and returns to the field.
    await page.keyboard.type('marie.tremblay@example.com');
    await page.getByRole('button', { name: 'Utiliser marie.tremblay', exact: true }).waitFor();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'button', text: 'marie.tremblay' });
    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatchObject({ label: "Nom d'utilisateur" });
    expect(await page.getByLabel("Nom d'utilisateur", { exact: true }).inputValue()).toBe('marie.tremblay');
    await page.getByText('Ce nom d’utilisateur est disponible.').waitFor();

    // A submit with a problem puts the focus on the first field in error.
    await page.keyboard.press('Tab');
    expect((await focused(page)).label).toBe('Mot de passe');
    await page.keyboard.type('abc');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    expect((await focused(page)).label).toBe('Mot de passe');
    expect(await page.getByLabel('Mot de passe', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Boulang3rie');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Votre compte en ligne est créé' }).waitFor();

    // The success view has the focus; the next stop is the way to sign in.
    await tabTo(page, (f) => f.text === 'Me connecter à l’Espace client Affaires');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${h.service.url}/sign-in`);
    await waitReady(page);
    const order = await tabTo(page, (f) => f.label === "Nom d'utilisateur");
    expect(order).toEqual(['Aller au contenu principal', 'Espace client Affaires', 'English', "Nom d'utilisateur"]);
    await page.keyboard.type('marie.tremblay');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Boulang3rie');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${h.service.url}/account/users`);
    await waitReady(page);

    // User Management: add a secondary user from the form, then remove them, confirming in place.
    await tabTo(page, (f) => f.label === 'Nom', 'Tab', 20);
    await page.keyboard.type('Luc Gagnon');
    await page.keyboard.press('Tab');
    expect((await focused(page)).label).toBe('Adresse courriel');
    await page.keyboard.type('luc.gagnon@example.com');
    await page.keyboard.press('Tab');
    expect((await focused(page)).label).toBe('Utilisateur secondaire (reçoit une invitation)');
    await page.keyboard.press('Tab');
    expect((await focused(page)).text).toBe('Ajouter');
    await page.keyboard.press('Enter');
    await page.getByText('Luc Gagnon a été ajouté; une invitation lui a été envoyée.').waitFor();
    await tabTo(page, (f) => f.text === 'Retirer', 'Shift+Tab');
    await page.keyboard.press('Enter');
    expect((await focused(page)).text).toBe('Annuler');
    await page.keyboard.press('Shift+Tab');
    expect((await focused(page)).text).toBe('Confirmer le retrait');
    await page.keyboard.press('Enter');
    await page.getByText('Luc Gagnon a été retiré.').waitFor();
    await page.getByRole('row', { name: /Luc Gagnon/ }).getByText('Retiré').waitFor();

    await tabTo(page, (f) => f.text === 'Me déconnecter', 'Shift+Tab', 20);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${h.service.url}/sign-in`);
    await page.getByText('Vous êtes déconnecté.').waitFor();

    expect(mouseEvents).toBe(0);
    expect(problems).toEqual([]);
  });
});
