import type { Language } from '../domain/account';
import { maskAccountNumber } from '../domain/field-rules';
import type { InvitationMessage } from '../domain/ports';
import { renderEmail, type EmailContent } from './layout';

export type { EmailContent } from './layout';

/**
 * The service's emails, in French (the help page's wording) and English, each with a text and an
 * HTML part built from the same blocks by the shared layout (`./layout`), which escapes every
 * value. Links carry the token in the URL fragment so it never reaches a server log; the HTML has
 * no tracking pixel, no remote image and no rewritten link.
 */

export interface EmailSettings {
  portalUrl: string;
  customerServicePhone: string;
}

const TIME_ZONE = 'America/Montreal';

/** "le 1 décembre 2026 à 10 h 46" / "December 1, 2026 at 10:46 AM", Montréal time. */
export function formatExpiry(date: Date, language: Language): string {
  const locale = language === 'fr' ? 'fr-CA' : 'en-CA';
  const day = new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, dateStyle: 'long' }).format(date);
  const time = new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, timeStyle: 'short' }).format(date);
  return language === 'fr' ? `le ${day} à ${time} (heure de Montréal)` : `${day} at ${time} (Montréal time)`;
}

/**
 * The portal page for a link: English readers get `?lang=en` (French is the pages' default), so
 * the page opens in the email's language. The token stays in the fragment, never sent to a server.
 */
export function portalLink(portalUrl: string, page: string, language: Language, token: string): string {
  const query = language === 'en' ? '?lang=en' : '';
  return `${portalUrl.replace(/\/+$/, '')}/${page}${query}#token=${token}`;
}

/** The link that opens the registration form for a token. */
export function activationLink(portalUrl: string, token: string, language: Language): string {
  return portalLink(portalUrl, 'activation', language, token);
}

/** Who an email is about: the recipient, and the account (its number is always masked). */
export interface AccountContext {
  language: Language;
  recipientName: string;
  companyName: string;
  accountNumber: string;
}

const WORDS = {
  fr: {
    hello: (name: string) => `Bonjour ${name},`,
    company: 'Entreprise',
    account: 'Numéro de compte',
    username: 'Nom d’utilisateur',
    fallback: 'Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :',
    help: 'Service à la clientèle Affaires',
  },
  en: {
    hello: (name: string) => `Hello ${name},`,
    company: 'Company',
    account: 'Account number',
    username: 'Username',
    fallback: 'If the button does not work, copy this link into your browser:',
    help: 'Business Customer Service',
  },
} as const;

function accountDetails(context: AccountContext) {
  const w = WORDS[context.language];
  return [
    { label: w.company, value: context.companyName },
    { label: w.account, value: maskAccountNumber(context.accountNumber) },
  ];
}

/** The activation email: the holder's entry point to registration, valid five days. */
export function activationEmail(
  settings: EmailSettings,
  message: AccountContext & { token: string; expiresAt: Date },
): EmailContent {
  const { language } = message;
  const w = WORDS[language];
  const link = activationLink(settings.portalUrl, message.token, language);
  const expiry = formatExpiry(message.expiresAt, language);
  const phone = settings.customerServicePhone;
  const common = { language, greeting: w.hello(message.recipientName), details: accountDetails(message), help: { label: w.help, phone } };
  if (language === 'en') {
    return renderEmail({
      ...common,
      subject: 'Your activation email – Business Customer Portal',
      preheader: `Your entry point to register for the Business Customer Portal. It expires on ${expiry}.`,
      heading: 'Your activation email',
      intro: [
        'Here is your activation email. It is your entry point to registration for the Business Customer Portal and lets us identify you securely when you fill in the registration form.',
      ],
      action: { label: 'Fill in the registration form', url: link, fallbackIntro: w.fallback },
      after: [
        `This activation email expires on ${expiry}; after that it can no longer be used to register. To register after it expires, call Business Customer Service at ${phone}.`,
      ],
      why: 'You are receiving this email because an activation email was requested for this business account, and it is sent to the account holder’s email address on file. If you did not ask for it, you can ignore it; do not forward this link to anyone.',
    });
  }
  return renderEmail({
    ...common,
    subject: 'Votre courriel d’activation – Espace client Affaires',
    preheader: `Votre porte d’entrée pour vous inscrire à l’Espace client Affaires. Il expirera ${expiry}.`,
    heading: 'Votre courriel d’activation',
    intro: [
      'Voici votre courriel d’activation. Il représente votre porte d’entrée pour votre inscription à l’Espace client Affaires et permet de vous identifier de façon sécuritaire lorsque vous remplissez le formulaire d’inscription.',
    ],
    action: { label: 'Remplir le formulaire d’inscription', url: link, fallbackIntro: w.fallback },
    after: [
      `Votre courriel d’activation expirera ${expiry}; il ne pourra alors plus être utilisé pour vous inscrire. Pour vous inscrire après l’expiration, vous devrez appeler le Service à la clientèle Affaires au ${phone}.`,
    ],
    why: 'Vous recevez ce courriel parce qu’un courriel d’activation a été demandé pour ce compte d’entreprise; il est envoyé à l’adresse courriel du titulaire inscrite au dossier. Si vous ne l’avez pas demandé, vous pouvez l’ignorer; ne transmettez ce lien à personne.',
  });
}

/** Sent instead of an activation email when the holder already has an online account. */
export function alreadyRegisteredEmail(settings: EmailSettings, message: AccountContext): EmailContent {
  const { language } = message;
  const w = WORDS[language];
  const phone = settings.customerServicePhone;
  const common = { language, greeting: w.hello(message.recipientName), details: accountDetails(message), help: { label: w.help, phone } };
  if (language === 'en') {
    return renderEmail({
      ...common,
      subject: 'You already have an online account – Business Customer Portal',
      preheader: 'No activation email is needed: sign in to the Business Customer Portal with your username.',
      heading: 'You already have an online account',
      intro: [
        `An activation email was requested for the ${message.companyName} business account, but the account holder already has an online account. No activation email is needed: sign in to the Business Customer Portal with your username.`,
      ],
      action: { label: 'Sign in to the Business Customer Portal', url: settings.portalUrl, fallbackIntro: w.fallback },
      after: [],
      why: `You are receiving this email because an activation email was requested for this business account, and it is sent to the account holder’s email address on file. If you did not make this request, or cannot sign in, call Business Customer Service at ${phone}.`,
    });
  }
  return renderEmail({
    ...common,
    subject: 'Vous avez déjà un compte en ligne – Espace client Affaires',
    preheader: 'Aucun courriel d’activation n’est nécessaire : connectez-vous à l’Espace client Affaires avec votre nom d’utilisateur.',
    heading: 'Vous avez déjà un compte en ligne',
    intro: [
      `Un courriel d’activation a été demandé pour le compte d’entreprise de ${message.companyName}, mais le titulaire du compte a déjà un compte en ligne. Aucun courriel d’activation n’est nécessaire : connectez-vous à l’Espace client Affaires avec votre nom d’utilisateur.`,
    ],
    action: { label: 'Me connecter à l’Espace client Affaires', url: settings.portalUrl, fallbackIntro: w.fallback },
    after: [],
    why: `Vous recevez ce courriel parce qu’un courriel d’activation a été demandé pour ce compte d’entreprise; il est envoyé à l’adresse courriel du titulaire inscrite au dossier. Si vous n’avez pas fait cette demande, ou si vous ne pouvez pas vous connecter, appelez le Service à la clientèle Affaires au ${phone}.`,
  });
}

/** Sent after every registration. */
export function confirmationEmail(settings: EmailSettings, message: AccountContext & { username: string }): EmailContent {
  const { language } = message;
  const w = WORDS[language];
  const phone = settings.customerServicePhone;
  const common = {
    language,
    greeting: w.hello(message.recipientName),
    details: [...accountDetails(message), { label: w.username, value: message.username }],
    help: { label: w.help, phone },
  };
  if (language === 'en') {
    return renderEmail({
      ...common,
      subject: 'Your online account was created – Business Customer Portal',
      preheader: `Your username is ${message.username}.`,
      heading: 'Your online account was created',
      intro: [`Your Business Customer Portal online account was created with the username ${message.username}.`],
      action: { label: 'Sign in to the Business Customer Portal', url: settings.portalUrl, fallbackIntro: w.fallback },
      after: [],
      why: `You are receiving this email because an online account was just created with this email address. If it was not you, call Business Customer Service at ${phone} right away.`,
    });
  }
  return renderEmail({
    ...common,
    subject: 'Votre compte en ligne a été créé – Espace client Affaires',
    preheader: `Votre nom d’utilisateur est ${message.username}.`,
    heading: 'Votre compte en ligne a été créé',
    intro: [`Votre compte en ligne de l’Espace client Affaires a été créé avec le nom d’utilisateur ${message.username}.`],
    action: { label: 'Me connecter à l’Espace client Affaires', url: settings.portalUrl, fallbackIntro: w.fallback },
    after: [],
    why: `Vous recevez ce courriel parce qu’un compte en ligne vient d’être créé avec cette adresse courriel. Si ce n’est pas vous, appelez sans tarder le Service à la clientèle Affaires au ${phone}.`,
  });
}

/** The invitation a holder sends a secondary user through User Management, valid five days. */
export function invitationEmail(
  settings: EmailSettings,
  message: Omit<InvitationMessage, 'to'>,
): EmailContent {
  const { language, holderName, companyName } = message;
  const w = WORDS[language];
  const link = activationLink(settings.portalUrl, message.token, language);
  const expiry = formatExpiry(message.expiresAt, language);
  const phone = settings.customerServicePhone;
  const common = {
    language,
    greeting: w.hello(message.inviteeName),
    details: accountDetails({ language, recipientName: message.inviteeName, companyName, accountNumber: message.accountNumber }),
    help: { label: w.help, phone },
  };
  if (language === 'en') {
    return renderEmail({
      ...common,
      subject: `${holderName} invites you to the Business Customer Portal`,
      preheader: `Choose your username and password. This invitation expires on ${expiry}.`,
      heading: 'You are invited to the Business Customer Portal',
      intro: [`${holderName}, holder of the ${companyName} account, added you as a secondary user of the Business Customer Portal.`],
      action: { label: 'Choose my username and password', url: link, fallbackIntro: w.fallback },
      after: [`This invitation expires on ${expiry}; after that, ask ${holderName} to send a new one.`],
      why: `You are receiving this email because ${holderName} added your email address with User Management. If you did not expect this invitation, you can ignore it: no online account is created without you. Questions: call Business Customer Service at ${phone}.`,
    });
  }
  return renderEmail({
    ...common,
    subject: `${holderName} vous invite à l’Espace client Affaires`,
    preheader: `Choisissez votre nom d’utilisateur et votre mot de passe. Cette invitation expirera ${expiry}.`,
    heading: 'Invitation à l’Espace client Affaires',
    intro: [`${holderName}, titulaire du compte de ${companyName}, vous a ajouté comme utilisateur secondaire de l’Espace client Affaires.`],
    action: { label: 'Choisir mon nom d’utilisateur et mon mot de passe', url: link, fallbackIntro: w.fallback },
    after: [`Cette invitation expirera ${expiry}; ensuite, demandez à ${holderName} de vous en envoyer une nouvelle.`],
    why: `Vous recevez ce courriel parce que ${holderName} a ajouté votre adresse courriel à l’aide de l’outil de Gestion des utilisateurs. Si vous n’attendiez pas cette invitation, vous pouvez l’ignorer : aucun compte en ligne n’est créé sans vous. Questions : appelez le Service à la clientèle Affaires au ${phone}.`,
  });
}
