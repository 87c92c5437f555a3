import type { Page, Request } from 'playwright-core';
import {
  describeInBrowser,
  followLink,
  mailedLink,
  outboxSize,
  newWatchedPage,
  openPortal,
  startHarness,
  stopHarness,
  waitReady,
  type PortalHarness,
  type WatchedPage,
} from '../fixtures/portal-browser';

/**
 * The portal's pages in Chromium against `npm start`, as customers use them: flow A from the
 * email's link to a signed-in User Management page, a secondary user invited and registering,
 * a forgotten password, flow B (with its lockout's "try again in N minutes"), the English
 * switch, and an expired link. Every page is watched for script errors and CSP violations.
 */
let h: PortalHarness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

const url = (path: string) => `${h.service.url}${path}`;
const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });
/** The problems listed under an input, as shown (and announced: the list is `aria-live`). */
async function problemsOf(page: Page, label: string): Promise<string[]> {
  const input = field(page, label);
  const errorsId = (await input.getAttribute('aria-describedby'))!.split(' ').find((id) => id.endsWith('-errors'))!;
  expect(await page.locator(`#${errorsId}`).getAttribute('aria-live')).toBe('polite');
  return page.locator(`#${errorsId} li`).allTextContents();
}
async function heading(page: Page): Promise<string> {
  return (await page.locator('h1').textContent())!.trim();
}

let holder: WatchedPage;
/** The holder, signed in again after the password reset; the session outlives tests until the clock jumps. */
let signedIn: WatchedPage;
const watched: WatchedPage[] = [];
async function watch(): Promise<WatchedPage> {
  const w = await newWatchedPage(h.browser);
  watched.push(w);
  return w;
}
afterEach(() => {
  // No page of the test threw or broke its CSP.
  for (const w of watched) expect(w.problems).toEqual([]);
});

describeInBrowser('portal pages in Chromium', () => {
  test('flow A: the activation email’s link leads to a signed-in User Management page', async () => {
    holder = await watch();
    const { page } = holder;
    const apiCalls: Request[] = [];
    page.on('request', (request) => request.url().includes('/v1/') && apiCalls.push(request));

    await openPortal(page, url('/activation-request'));
    expect(await heading(page)).toBe('Demander un courriel d’activation');
    await field(page, 'Numéro de compte').fill('123 456 789');
    await field(page, 'Code postal').fill('h2x 1y4');
    await page.getByRole('button', { name: 'Envoyer le courriel d’activation' }).click();
    await page.getByRole('status').getByText(/^Demande reçue\./).waitFor();

    const link = await mailedLink(h, 'marie.tremblay@example.com', 'activation');
    await openPortal(page, link);
    // The token left the address bar (and the history entry) before anything else happened.
    expect(page.url()).toBe(url('/activation'));
    expect(await page.evaluate('location.hash')).toBe('');
    expect(await heading(page)).toBe('Inscription à l’Espace client Affaires');
    await page.getByText('••••••789').waitFor();

    // An email address as username: refused as typed, with valid and available suggestions.
    const username = field(page, "Nom d'utilisateur");
    await username.fill('marie.tremblay@example.com');
    expect(await problemsOf(page, "Nom d'utilisateur")).toEqual([
      'Caractères non acceptés : @. Seuls les lettres, les chiffres et les caractères spéciaux . - _ sont acceptés.',
    ]);
    expect(await username.getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('button', { name: 'Utiliser marie.tremblay', exact: true }).click();
    expect(await username.inputValue()).toBe('marie.tremblay');
    await page.getByText('Ce nom d’utilisateur est disponible.').waitFor();
    expect(await username.getAttribute('aria-invalid')).toBeNull();
    expect(await problemsOf(page, "Nom d'utilisateur")).toEqual([]);

    // Every problem of the password at once, in the server's words.
    const password = field(page, 'Mot de passe');
    await password.fill('a b');
    expect(await problemsOf(page, 'Mot de passe')).toEqual([
      'Le mot de passe doit compter 6 caractères au minimum.',
      'Le mot de passe doit contenir au moins un chiffre.',
      'Caractères spéciaux non acceptés : [espace].',
    ]);
    await password.fill('Boulang3rie');
    expect(await problemsOf(page, 'Mot de passe')).toEqual([]);
    await page.getByRole('button', { name: 'Créer mon compte en ligne' }).click();
    await page.getByRole('heading', { level: 1, name: 'Votre compte en ligne est créé' }).waitFor();
    await page.getByText('Votre nom d’utilisateur est marie.tremblay.').waitFor();

    const registration = apiCalls.find((r) => r.url().endsWith('/v1/registrations'))!;
    expect(registration.headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(registration.headers()['accept-language']).toBe('fr');
    // The availability checks stayed few: debounced, never one per keystroke.
    expect(apiCalls.filter((r) => r.url().includes('/availability')).length).toBeLessThanOrEqual(3);

    await followLink(page, page.getByRole('link', { name: 'Me connecter à l’Espace client Affaires' }));
    expect(page.url()).toBe(url('/sign-in'));
    await field(page, "Nom d'utilisateur").fill('marie.tremblay');
    await field(page, 'Mot de passe').fill('Boulang3rie');
    await page.getByRole('button', { name: 'Me connecter' }).click();
    await page.waitForURL(url('/account/users'));
    await waitReady(page);
    expect(await heading(page)).toBe('Gestion des utilisateurs');
    const row = page.getByRole('row', { name: /Marie Tremblay/ });
    expect(await row.getByRole('cell').allTextContents()).toEqual(['marie.tremblay@example.com', 'Titulaire', 'Actif', 'Aucune action']);
    expect(await page.evaluate("JSON.parse(sessionStorage.getItem('portal.session')).user.username")).toBe('marie.tremblay');
  });

  test('the holder invites a secondary user, who registers from the invitation link; a technical user is only recorded', async () => {
    const { page } = holder;
    await field(page, 'Nom').fill('Luc Gagnon');
    await field(page, 'Adresse courriel').fill('luc.gagnon@example.com');
    await page.getByRole('button', { name: 'Ajouter', exact: true }).click();
    await page.getByText('Luc Gagnon a été ajouté; une invitation lui a été envoyée.').waitFor();
    const lucRow = page.getByRole('row', { name: /Luc Gagnon/ });
    await lucRow.getByText('Invitation envoyée').waitFor();

    await field(page, 'Nom').fill('TechnoServices');
    await field(page, 'Adresse courriel').fill('support@technoservices.example.com');
    await page.getByLabel('Utilisateur technique (inscrit au dossier, sans accès en ligne)').check();
    await page.getByRole('button', { name: 'Ajouter', exact: true }).click();
    await page.getByText('TechnoServices a été ajouté.').waitFor();
    const techRow = page.getByRole('row', { name: /TechnoServices/ });
    await techRow.getByText('Sans accès en ligne').waitFor();
    expect(await techRow.getByRole('button', { name: /Renvoyer/ }).count()).toBe(0);

    // Luc, on his own computer, opens the invitation.
    const luc = await watch();
    await openPortal(luc.page, await mailedLink(h, 'luc.gagnon@example.com', 'activation'));
    expect(await heading(luc.page)).toBe('Créez votre accès à l’Espace client Affaires');
    await luc.page.getByText('Le titulaire du compte vous a ajouté comme utilisateur secondaire.', { exact: false }).waitFor();
    await field(luc.page, "Nom d'utilisateur").fill('luc.gagnon');
    await luc.page.getByText('Ce nom d’utilisateur est disponible.').waitFor();
    await field(luc.page, 'Mot de passe').fill('Gagnon2026');
    await luc.page.getByRole('button', { name: 'Créer mon compte en ligne' }).click();
    await luc.page.getByRole('heading', { level: 1, name: 'Votre compte en ligne est créé' }).waitFor();

    // Signed in, Luc sees that User Management is the holder's.
    await followLink(luc.page, luc.page.getByRole('link', { name: 'Me connecter à l’Espace client Affaires' }));
    await field(luc.page, "Nom d'utilisateur").fill('luc.gagnon');
    await field(luc.page, 'Mot de passe').fill('Gagnon2026');
    await luc.page.getByRole('button', { name: 'Me connecter' }).click();
    await luc.page.waitForURL(url('/account/users'));
    await luc.page.getByText('Seul le titulaire du compte a accès à la Gestion des utilisateurs.', { exact: false }).waitFor();
    expect(await luc.page.getByRole('button', { name: 'Ajouter' }).count()).toBe(0);

    await page.reload();
    await waitReady(page);
    await page.getByRole('row', { name: /Luc Gagnon/ }).getByText('Actif').waitFor();

    // Removal is confirmed in place; the person's login is revoked.
    await page.getByRole('button', { name: 'Retirer Luc Gagnon' }).click();
    await page.getByText('Retirer Luc Gagnon? Son accès et ses invitations seront annulés.').waitFor();
    await page.getByRole('button', { name: 'Confirmer le retrait' }).click();
    await page.getByText('Luc Gagnon a été retiré.').waitFor();
    await page.getByRole('row', { name: /Luc Gagnon/ }).getByText('Retiré').waitFor();

    await page.getByRole('button', { name: 'Me déconnecter' }).click();
    await page.waitForURL(url('/sign-in'));
    await page.getByText('Vous êtes déconnecté.').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('portal.session')")).toBeNull();
  });

  test('a forgotten password: the request, the link, the new password, then signing in with it', async () => {
    signedIn = await watch();
    const { page } = signedIn;
    await openPortal(page, url('/password-reset'));
    await field(page, "Nom d'utilisateur").fill('marie.tremblay');
    await page.getByRole('button', { name: 'Envoyer le lien' }).click();
    await page.getByText(/^Demande reçue\. Si ce nom d’utilisateur existe/).waitFor();

    await openPortal(page, await mailedLink(h, 'marie.tremblay@example.com', 'password-reset'));
    expect(page.url()).toBe(url('/password-reset'));
    expect(await heading(page)).toBe('Choisir un nouveau mot de passe');
    await page.getByText('Nouveau mot de passe pour marie.tremblay.').waitFor();
    await field(page, 'Nouveau mot de passe').fill('Croissant5');
    await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
    await page.getByRole('heading', { level: 1, name: 'Votre mot de passe est changé' }).waitFor();

    await followLink(page, page.getByRole('link', { name: 'Me connecter à l’Espace client Affaires' }));
    await field(page, "Nom d'utilisateur").fill('marie.tremblay');
    await field(page, 'Mot de passe').fill('Boulang3rie');
    await page.getByRole('button', { name: 'Me connecter' }).click();
    await page.getByRole('alert').getByText('Nom d’utilisateur ou mot de passe incorrect.').waitFor();
    await field(page, 'Mot de passe').fill('Croissant5');
    await page.getByRole('button', { name: 'Me connecter' }).click();
    await page.waitForURL(url('/account/users'));
  });

  test('a 503 keeps the form and says when to retry; the retry reuses the submission’s Idempotency-Key', async () => {
    const { page } = await watch();
    const sentBefore = await outboxSize(h);
    const keys: string[] = [];
    page.on('request', (r) => r.url().endsWith('/v1/activation-requests') && keys.push(r.headers()['idempotency-key']!));
    await openPortal(page, url('/activation-request'));
    await field(page, 'Numéro de compte').fill('555000111222');
    await field(page, 'Code postal').fill('G1R 4P5');

    // DynamoDB throttles every call, past the SDK's retries: the service answers 503.
    await h.call('POST', '/__dev/faults', { dynamodb: { mode: 'throttle', count: 1000 } });
    const submit = async () => {
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/v1/activation-requests')),
        page.getByRole('button', { name: 'Envoyer le courriel d’activation' }).click(),
      ]);
      return response;
    };
    try {
      const refused = await submit();
      expect(refused.status()).toBe(503);
      await page.getByRole('alert').getByText(/^Le service est momentanément indisponible\. Vos renseignements sont conservés : réessayez dans /).waitFor();
    } finally {
      await h.call('POST', '/__dev/faults', { dynamodb: null });
    }
    expect(await field(page, 'Numéro de compte').inputValue()).toBe('555000111222');
    expect((await submit()).status()).toBe(202);
    await page.getByRole('status').getByText(/^Demande reçue\./).waitFor();
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    // The accepted retry sends Sophie her email (waited for here, so no later test sees it arrive).
    await mailedLink(h, 'sophie.cote@example.com', 'activation', sentBefore);
  });

  test('flow B in English: refused identity, the lockout’s "try again in 60 minutes", then registered', async () => {
    const { page } = await watch();
    await openPortal(page, url('/registration?lang=en'));
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    expect(await heading(page)).toBe('Register without an activation email');
    await field(page, 'Account number').fill('987654321');
    await field(page, 'Postal code').fill('K1A 0B1');
    await field(page, 'Email address').fill('someone@example.com');
    await field(page, 'Username').fill('john.smith');
    await field(page, 'Password').fill('Northw1nd');
    const alert = page.getByRole('alert');
    const submit = async () => {
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/v1/registrations')),
        page.getByRole('button', { name: 'Register' }).click(),
      ]);
      return response.status();
    };
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect(await submit()).toBe(403);
      await alert.getByText('We could not verify your identity with this information.').waitFor();
      // The message takes the focus, so a keyboard or screen reader user lands on it.
      expect(await page.evaluate('document.activeElement.getAttribute("role")')).toBe('alert');
    }
    await field(page, 'Email address').fill('john.smith@example.com');
    expect(await submit()).toBe(429);
    await alert.getByText('Too many attempts. Try again later. Try again in 60 minutes.').waitFor();

    await h.call('POST', '/__dev/clock', { advanceSeconds: 3600 });
    expect(await submit()).toBe(201);
    await page.getByRole('heading', { level: 1, name: 'Your online account is created' }).waitFor();
    await page.getByText('Your username is john.smith.').waitFor();
  });

  test('the English switch changes the page in place, keeps what was typed, and follows the links', async () => {
    const { page } = await watch();
    await openPortal(page, url('/registration'));
    expect(await heading(page)).toBe('Inscription sans courriel d’activation');
    await field(page, "Nom d'utilisateur").fill('ab');
    expect(await problemsOf(page, "Nom d'utilisateur")).toEqual(['Le nom d’utilisateur doit compter 8 caractères au minimum.']);

    await page.getByRole('button', { name: 'Display this page in English' }).click();
    expect(await heading(page)).toBe('Register without an activation email');
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    expect(new URL(page.url()).searchParams.get('lang')).toBe('en');
    expect(await field(page, 'Username').inputValue()).toBe('ab');
    expect(await problemsOf(page, 'Username')).toEqual(['The username must have at least 8 characters.']);
    for (const label of ['Account number', 'Postal code', 'Email address', 'Username', 'Password']) expect(await field(page, label).count()).toBe(1);

    await followLink(page, page.getByRole('link', { name: 'Request an activation email' }));
    expect(await heading(page)).toBe('Request an activation email');
    // Kept without the parameter too.
    await openPortal(page, url('/sign-in'));
    expect(await heading(page)).toBe('Sign in to the Business Customer Portal');
    await page.getByRole('button', { name: 'Afficher cette page en français' }).click();
    expect(await heading(page)).toBe('Connexion à l’Espace client Affaires');
    await openPortal(page, url('/password-reset'));
    expect(await heading(page)).toBe('Mot de passe ou nom d’utilisateur oublié');
  });

  test('an expired activation link (clock past five days) says what to do next', async () => {
    // Sophie already got an email in the 503 test: wait for this request's, which replaces it.
    const before = await outboxSize(h);
    await h.call('POST', '/v1/activation-requests', { accountNumber: '555000111222', postalCode: 'G1R 4P5' });
    const link = await mailedLink(h, 'sophie.cote@example.com', 'activation', before);
    await h.call('POST', '/__dev/clock', { advanceSeconds: 432_001 });

    const { page } = await watch();
    await openPortal(page, link);
    expect(page.url()).toBe(url('/activation'));
    expect(await heading(page)).toBe('Ce lien ne peut plus être utilisé');
    await page.getByText(/^Votre courriel d’activation a expiré/).waitFor();
    expect(await page.getByRole('link', { name: '1 800 555-0100' }).first().getAttribute('href')).toBe('tel:+18005550100');
    await page.getByText('demandez au titulaire du compte de vous envoyer une nouvelle invitation', { exact: false }).waitFor();
    await followLink(page, page.getByRole('link', { name: 'demandez un nouveau courriel d’activation' }));
    expect(page.url()).toBe(url('/activation-request'));
    expect(await heading(page)).toBe('Demander un courriel d’activation');

    // Five days on, the holder's session (8 hours) has ended: the API's 401 leads back to sign-in.
    await signedIn.page.reload();
    await signedIn.page.waitForURL(url('/sign-in'));
    await signedIn.page.getByText('Votre session a pris fin. Connectez-vous de nouveau.').waitFor();
    expect(await signedIn.page.evaluate("sessionStorage.getItem('portal.session')")).toBeNull();
  });
});
