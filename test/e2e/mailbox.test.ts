import { jsonClient, startService, type Json, type RunningService } from './local-stack';

/** `GET /__dev/mailbox`: the outbox as a page, each email rendered in a sandboxed frame, its link there. */
let service: RunningService;
beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.stop());

const call = jsonClient(() => service.url);
async function waitForMail(to: string): Promise<Json> {
  for (let i = 0; i < 200; i++) {
    const found = ((await call('GET', '/__dev/outbox')).body.messages as Json[]).find((m) => m.to[0] === to);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no mail to ${to}`);
}

describe('GET /__dev/mailbox', () => {
  it('is an HTML page even when the outbox is empty', async () => {
    const response = await fetch(`${service.url}/__dev/mailbox`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toMatch(/<html lang="en">[\s\S]*Local mailbox/);
  });

  it('shows the activation email, newest first, rendered in a sandboxed frame with its link', async () => {
    await call('POST', '/v1/activation-requests', { accountNumber: '123 456 789', postalCode: 'H2X 1Y4' });
    const first = await waitForMail('marie.tremblay@example.com');
    await call('POST', '/v1/activation-requests', { accountNumber: '987654321', postalCode: 'K1A 0B1' });
    const mail = await waitForMail('john.smith@example.com');
    const token = /#token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;

    const page = await (await fetch(`${service.url}/__dev/mailbox`)).text();
    // Newest first: John's email before Marie's.
    expect(page.indexOf('john.smith@example.com')).toBeGreaterThan(-1);
    expect(page.indexOf('john.smith@example.com')).toBeLessThan(page.indexOf('marie.tremblay@example.com'));
    expect(page).toContain(`<h2 id="m0">${mail.subject}</h2>`);
    expect(page).toContain(`<time datetime="${mail.sentAt}">`);
    expect(page).toContain(first.subject);
    // The email's HTML, escaped into srcdoc: the button's link is there, to click as a customer would.
    const frames = [...page.matchAll(/<iframe title="[^"]*" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="([^"]*)"><\/iframe>/g)];
    expect(frames).toHaveLength(2);
    // John reads English: his link opens the page in English.
    expect(frames[0]![1]).toContain(`href=&quot;${service.url}/activation?lang=en#token=${token}&quot;`);
    expect(frames[0]![1]).toContain('&lt;html lang=&quot;en&quot;');
    expect(frames[1]![1]).toContain('&lt;html lang=&quot;fr&quot;');
    // Nothing of the emails gets out of its frame unescaped.
    expect(page.match(/<html/g)).toHaveLength(1);
    expect(page.match(/<a href=/g)).toHaveLength(1);
  });
});
