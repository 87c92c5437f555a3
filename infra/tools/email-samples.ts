/**
 * Every email the service sends, in French and English, filled with the demo accounts' data: what
 * `npm run emails:preview` writes and what the browser test renders.
 */
import type { Language } from '../../shared/domain/account';
import {
  activationEmail,
  alreadyRegisteredEmail,
  confirmationEmail,
  invitationEmail,
  type EmailContent,
  type EmailSettings,
} from '../../shared/email/templates';
import { passwordChangedEmail, passwordResetEmail, usernameReminderEmail } from '../../shared/email/recovery-templates';

export const SAMPLE_SETTINGS: EmailSettings = { portalUrl: 'http://localhost:3000', customerServicePhone: '1 800 555-0100' };

/** A token as long as the real ones (32 random bytes, base64url), so the link wraps as it will. */
const SAMPLE_TOKEN = 'q3Vt8mZr0cXn5YwLk2Pj9HsAeB7fDg4TuJ1oRiWx6Nv';
const SAMPLE_EXPIRY = new Date('2026-12-06T15:46:00Z');

const PEOPLE: Record<Language, { name: string; company: string; account: string; username: string; invitee: string }> = {
  fr: { name: 'Marie Tremblay', company: 'Boulangerie Tremblay inc.', account: '123456789', username: 'marie.tremblay', invitee: 'Luc Gagnon' },
  en: { name: 'John Smith', company: 'Northwind Logistics Ltd.', account: '987654321', username: 'john.smith', invitee: 'Jane Doe' },
};

/** The emails of registration (about an account); then the account-recovery ones (about a username). */
export const EMAIL_KINDS = ['activation', 'already-registered', 'confirmation', 'invitation'] as const;
export const RECOVERY_KINDS = ['password-reset', 'password-changed', 'username-reminder'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number] | (typeof RECOVERY_KINDS)[number];
export const LANGUAGES: Language[] = ['fr', 'en'];

/** One email of `kind` in `language`; `names` overrides the people's and company's names (escaping tests). */
export function sampleEmail(kind: EmailKind, language: Language, names?: { person?: string; company?: string }): EmailContent {
  const p = PEOPLE[language];
  const person = names?.person ?? p.name;
  const company = names?.company ?? p.company;
  const context = { language, recipientName: person, companyName: company, accountNumber: p.account };
  switch (kind) {
    case 'activation':
      return activationEmail(SAMPLE_SETTINGS, { ...context, token: SAMPLE_TOKEN, expiresAt: SAMPLE_EXPIRY });
    case 'already-registered':
      return alreadyRegisteredEmail(SAMPLE_SETTINGS, context);
    case 'confirmation':
      return confirmationEmail(SAMPLE_SETTINGS, { ...context, username: p.username });
    case 'invitation':
      return invitationEmail(SAMPLE_SETTINGS, {
        language,
        inviteeName: names?.person ?? p.invitee,
        holderName: person,
        companyName: company,
        accountNumber: p.account,
        token: SAMPLE_TOKEN,
        expiresAt: SAMPLE_EXPIRY,
      });
    case 'password-reset':
      return passwordResetEmail(SAMPLE_SETTINGS, { language, username: names?.person ?? p.username, token: SAMPLE_TOKEN, expiresAt: SAMPLE_EXPIRY });
    case 'password-changed':
      return passwordChangedEmail(SAMPLE_SETTINGS, { language, username: names?.person ?? p.username });
    case 'username-reminder':
      return usernameReminderEmail(SAMPLE_SETTINGS, { language, usernames: [names?.person ?? p.username, `${p.username}.2`] });
  }
}

export function allSampleEmails(): { kind: EmailKind; language: Language; name: string; email: EmailContent }[] {
  return [...EMAIL_KINDS, ...RECOVERY_KINDS].flatMap((kind) => LANGUAGES.map((language) => ({ kind, language, name: `${kind}.${language}`, email: sampleEmail(kind, language) })));
}
