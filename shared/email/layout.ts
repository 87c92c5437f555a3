import type { Language } from '../domain/account';

/**
 * The one layout every email of the service shares, hand-written (no template engine in the
 * Lambda): a table layout with inline styles that mail clients render alike, one
 * "bulletproof" button (a link styled inside a coloured table cell), the full link again as a
 * fallback that wraps, and a plain-text twin built from the same blocks. Every value is escaped
 * here, once: callers pass plain text, never HTML. No remote image, no tracking, no web font.
 */

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/** What one email says, in order; all plain text. */
export interface EmailBlocks {
  language: Language;
  subject: string;
  /** The hidden line some clients show after the subject in the inbox. */
  preheader: string;
  heading: string;
  greeting: string;
  /** Before the button. */
  intro: string[];
  /** Shown as a small panel: company, masked account number, username… */
  details: { label: string; value: string }[];
  /** The one call to action (a notice may have none). */
  action?: { label: string; url: string; fallbackIntro: string };
  /** After the button: expiry, what happens next. */
  after: string[];
  /** Why they got it and what to do if they did not ask. */
  why: string;
  /** "Business Customer Service: 1 800 …" */
  help: { label: string; phone: string };
}

/**
 * Colours, all ≥ 4.5:1 against the background they are used on (checked by a unit test):
 * text on white and on the panel, white on the brand band and on the button.
 */
export const PALETTE = {
  page: '#eef1f4',
  card: '#ffffff',
  panel: '#eef1f4',
  text: '#1b2430',
  muted: '#4a5565',
  brand: '#1b2a41',
  button: '#0a58ca',
  link: '#0a58ca',
  onDark: '#ffffff',
  border: '#d0d6de',
} as const;

const FONT = 'Arial,Helvetica,sans-serif';
const SERVICE_NAME: Record<Language, string> = { fr: 'Espace client Affaires', en: 'Business Customer Portal' };

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function paragraph(text: string, style = ''): string {
  return `<p style="margin:0 0 16px;${style}">${escapeHtml(text)}</p>`;
}

export function renderEmail(blocks: EmailBlocks): EmailContent {
  return { subject: blocks.subject, html: renderHtml(blocks), text: renderText(blocks) };
}

function renderHtml(b: EmailBlocks): string {
  const colon = b.language === 'fr' ? '&nbsp;: ' : ': ';
  const details = b.details.length
    ? `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 20px;background-color:${PALETTE.panel};border-radius:4px;">` +
      `<tr><td style="padding:12px 16px;font-family:${FONT};font-size:15px;line-height:1.6;color:${PALETTE.text};">` +
      b.details.map((d) => `${escapeHtml(d.label)}${colon}<strong>${escapeHtml(d.value)}</strong>`).join('<br>') +
      '</td></tr></table>'
    : '';
  const url = b.action && escapeHtml(b.action.url);
  const button =
    b.action &&
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:4px 0 20px;"><tr>` +
    `<td align="center" bgcolor="${PALETTE.button}" style="border-radius:4px;background-color:${PALETTE.button};">` +
    `<a href="${url}" target="_blank" rel="noopener" style="display:inline-block;padding:14px 22px;font-family:${FONT};font-size:17px;font-weight:bold;line-height:1.3;color:${PALETTE.onDark};text-decoration:none;border-radius:4px;">${escapeHtml(b.action.label)}</a>` +
    '</td></tr></table>';
  const fallback =
    b.action &&
    `<p style="margin:0 0 20px;font-size:14px;line-height:1.5;color:${PALETTE.muted};">${escapeHtml(b.action.fallbackIntro)}<br>` +
    `<a href="${url}" target="_blank" rel="noopener" style="color:${PALETTE.link};text-decoration:underline;word-break:break-all;overflow-wrap:anywhere;">${url}</a></p>`;
  const divider = `<hr style="border:0;border-top:1px solid ${PALETTE.border};margin:4px 0 16px;">`;
  return [
    '<!doctype html>',
    `<html lang="${b.language}" dir="ltr">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
    '<meta name="x-apple-disable-message-reformatting"><meta name="color-scheme" content="light"><meta name="supported-color-schemes" content="light">',
    `<title>${escapeHtml(b.subject)}</title></head>`,
    `<body style="margin:0;padding:0;width:100%;background-color:${PALETTE.page};">`,
    `<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${escapeHtml(b.preheader)}</div>`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:${PALETTE.page};"><tr><td align="center" style="padding:16px 8px;">`,
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background-color:${PALETTE.card};border:1px solid ${PALETTE.border};border-radius:6px;">`,
    `<tr><td style="padding:16px 20px;background-color:${PALETTE.brand};border-radius:6px 6px 0 0;font-family:${FONT};font-size:18px;font-weight:bold;line-height:1.3;color:${PALETTE.onDark};">${escapeHtml(SERVICE_NAME[b.language])}</td></tr>`,
    `<tr><td style="padding:20px;font-family:${FONT};font-size:16px;line-height:1.5;color:${PALETTE.text};">`,
    `<h1 style="margin:0 0 16px;font-family:${FONT};font-size:22px;line-height:1.3;color:${PALETTE.text};">${escapeHtml(b.heading)}</h1>`,
    paragraph(b.greeting),
    ...b.intro.map((p) => paragraph(p)),
    details,
    button ?? '',
    fallback ?? '',
    ...b.after.map((p) => paragraph(p)),
    divider,
    paragraph(b.why, `font-size:14px;color:${PALETTE.muted};`),
    `<p style="margin:0;font-size:14px;color:${PALETTE.muted};">${escapeHtml(b.help.label)}${colon}<strong style="color:${PALETTE.text};white-space:nowrap;">${escapeHtml(b.help.phone)}</strong></p>`,
    '</td></tr></table>',
    '</td></tr></table>',
    '</body></html>',
  ]
    .filter(Boolean)
    .join('\n');
}

function renderText(b: EmailBlocks): string {
  const colon = b.language === 'fr' ? '\u00a0: ' : ': ';
  const sections = [
    SERVICE_NAME[b.language],
    b.heading,
    b.greeting,
    ...b.intro,
    b.details.map((d) => `${d.label}${colon}${d.value}`).join('\n'),
    b.action ? `${b.action.label}${colon.trimEnd()}\n${b.action.url}` : '',
    ...b.after,
    '---',
    b.why,
    `${b.help.label}${colon}${b.help.phone}`,
  ];
  return sections.filter((s) => s.length > 0).join('\n\n') + '\n';
}
