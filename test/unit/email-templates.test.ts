import { PALETTE, escapeHtml } from '../../shared/email/layout';
import { EMAIL_KINDS, LANGUAGES, RECOVERY_KINDS, SAMPLE_SETTINGS, allSampleEmails, sampleEmail } from '../../infra/tools/email-samples';

const HOSTILE = '<script>alert(1)</script> & "Co"';
const HOSTILE_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;';
const cases = EMAIL_KINDS.flatMap((kind) => LANGUAGES.map((language) => [kind, language] as const));
const allCases = [...EMAIL_KINDS, ...RECOVERY_KINDS].flatMap((kind) => LANGUAGES.map((language) => [kind, language] as const));

describe('emails: every template, fr and en', () => {
  test.each(allCases)('%s (%s) escapes names from billing and from holders', (kind, language) => {
    const email = sampleEmail(kind, language, { person: HOSTILE, company: HOSTILE });
    expect(email.html).not.toContain('<script');
    expect(email.html).not.toContain('"Co"');
    expect(email.html).toContain(HOSTILE_ESCAPED);
    // The plain-text part carries the names as they are (it is not HTML).
    expect(email.text).toContain(HOSTILE);
  });

  test.each(cases)('%s (%s): accessible, responsive HTML with one button, and its text twin', (kind, language) => {
    const { subject, html, text } = sampleEmail(kind, language);
    expect(html).toMatch(new RegExp(`^<!doctype html>\\n<html lang="${language}"`));
    expect(subject).toContain(language === 'fr' ? 'Espace client Affaires' : 'Business Customer Portal');
    // One call to action: one bulletproof button (a link in a coloured cell), the same link as the fallback.
    expect(html.match(/<td align="center" bgcolor=/g)).toHaveLength(1);
    const links = [...html.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toHaveLength(2);
    expect(links[0]).toBe(links[1]);
    expect(html).toContain('word-break:break-all;overflow-wrap:anywhere');
    // Nothing remote and nothing that tracks: no image, no stylesheet, no script, no link but the action.
    expect(html).not.toMatch(/<img|<link|<script|src=|url\(/i);
    // Readable at 320 px: nothing wider than 320 px but the max-width of the container.
    const widths = [...html.matchAll(/(?<!max-)width:\s*(\d+)px|width="(\d+)"/g)].map((m) => Number(m[1] ?? m[2]));
    expect(widths.filter((w) => w > 320)).toEqual([]);
    expect(html).toContain('max-width:600px');
    // Same content in both parts.
    const account = language === 'fr' ? '••••••789' : '••••••321';
    for (const part of [html, text]) {
      expect(part).toContain(account);
      expect(part).toContain(SAMPLE_SETTINGS.customerServicePhone);
      expect(part).toContain(language === 'fr' ? 'Service à la clientèle Affaires' : 'Business Customer Service');
      expect(part).toContain(language === 'fr' ? 'Vous recevez ce courriel parce qu' : 'You are receiving this email because');
    }
    expect(html).not.toMatch(/123456789|987654321/);
    expect(text).not.toMatch(/123456789|987654321/);
    expect(text).toContain(links[0]!.replace(/&amp;/g, '&'));
    expect(text).not.toMatch(/<[a-z]/i);
  });

  test.each(LANGUAGES)('activation and invitation (%s) give the link with the token and the expiry in words', (language) => {
    for (const kind of ['activation', 'invitation'] as const) {
      const { html, text } = sampleEmail(kind, language);
      const page = language === 'en' ? '/activation?lang=en#token=' : '/activation#token=';
      expect(text).toContain(`http://localhost:3000${page}`);
      expect(text).toMatch(/#token=[A-Za-z0-9_-]{20,}/);
      expect(html).toContain(page);
      const expiry = language === 'fr' ? 'le 6 décembre 2026 à 10 h 46 (heure de Montréal)' : 'December 6, 2026 at 10:46 a.m. (Montréal time)';
      expect(text.replace(/\u202f/g, ' ')).toContain(expiry);
      expect(html.replace(/\u202f/g, ' ')).toContain(expiry);
    }
  });

  test('the activation email names the recipient and the company', () => {
    const fr = sampleEmail('activation', 'fr');
    expect(fr.subject).toBe('Votre courriel d’activation – Espace client Affaires');
    expect(fr.text).toContain('Bonjour Marie Tremblay,');
    expect(fr.html).toContain('Boulangerie Tremblay inc.');
    expect(fr.text).toContain('porte d’entrée');
    const en = sampleEmail('activation', 'en');
    expect(en.text).toContain('Hello John Smith,');
    expect(en.html).toContain('Northwind Logistics Ltd.');
  });

  test.each(RECOVERY_KINDS.flatMap((kind) => LANGUAGES.map((language) => [kind, language] as const)))(
    '%s (%s), account recovery: the same layout, at most one button, its text twin',
    (kind, language) => {
      const { subject, html, text } = sampleEmail(kind, language);
      expect(html).toMatch(new RegExp(`^<!doctype html>\\n<html lang="${language}"`));
      expect(subject).toContain(language === 'fr' ? 'Espace client Affaires' : 'Business Customer Portal');
      expect((html.match(/<td align="center" bgcolor=/g) ?? []).length).toBe(kind === 'password-changed' ? 0 : 1);
      expect(html).not.toMatch(/<img|<link|<script|src=|url\(/i);
      for (const part of [html, text]) {
        expect(part).toContain(SAMPLE_SETTINGS.customerServicePhone);
        expect(part).toContain(language === 'fr' ? 'marie.tremblay' : 'john.smith');
      }
      if (kind === 'password-reset') {
        const page = language === 'en' ? '\\/password-reset\\?lang=en#token=' : '\\/password-reset#token=';
        expect(text).toMatch(new RegExp(`${page}[A-Za-z0-9_-]{20,}\\n`));
      }
    },
  );

  test('every sample renders', () => {
    expect(allSampleEmails()).toHaveLength(14);
  });
});

describe('email colours', () => {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const contrast = (a: string, b: string) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi! + 0.05) / (lo! + 0.05);
  };
  test.each([
    ['text on card', PALETTE.text, PALETTE.card],
    ['text on panel', PALETTE.text, PALETTE.panel],
    ['muted on card', PALETTE.muted, PALETTE.card],
    ['link on card', PALETTE.link, PALETTE.card],
    ['white on button', PALETTE.onDark, PALETTE.button],
    ['white on brand band', PALETTE.onDark, PALETTE.brand],
  ])('%s is at least 4.5:1', (_name, fg, bg) => {
    expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
  });

  test('escapeHtml escapes the five characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
