import type { Language } from '../domain/account';

/**
 * The service's emails, in French (the help page's wording) and English, each with a text and an
 * HTML part. Links carry the token in the URL fragment so it never reaches a server log; the
 * HTML has no tracking pixel and no rewritten link.
 */

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

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

/** The link that opens the registration form for a token. */
export function activationLink(portalUrl: string, token: string): string {
  return `${portalUrl.replace(/\/+$/, '')}/activation#token=${token}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Builds both parts from paragraphs; `{link}` in a paragraph becomes the link. */
function compose(subject: string, paragraphs: string[], link?: string): EmailContent {
  const text = paragraphs.map((p) => p.replace('{link}', link ?? '')).join('\n\n') + '\n';
  const html = [
    '<!doctype html><html><body style="font-family:Arial,sans-serif;font-size:15px;line-height:1.5">',
    ...paragraphs.map((p) => {
      const escaped = escapeHtml(p);
      return `<p>${link ? escaped.replace('{link}', `<a href="${escapeHtml(link)}">${escapeHtml(link)}</a>`) : escaped}</p>`;
    }),
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** The activation email: the holder's entry point to registration, valid five days. */
export function activationEmail(
  settings: EmailSettings,
  language: Language,
  token: string,
  expiresAt: Date,
): EmailContent {
  const link = activationLink(settings.portalUrl, token);
  const expiry = formatExpiry(expiresAt, language);
  const phone = settings.customerServicePhone;
  if (language === 'en') {
    return compose(
      'Your activation email – Business Customer Portal',
      [
        'Hello,',
        'Here is your activation email for the Business Customer Portal. It is your entry point to registration and lets us identify you securely when you fill in the registration form.',
        'To register, open this link: {link}',
        `This activation email expires on ${expiry}; after that it can no longer be used. To register after it expires, call Business Customer Service at ${phone}.`,
        'If you did not ask for this email, you can ignore it.',
      ],
      link,
    );
  }
  return compose(
    'Votre courriel d’activation – Espace client Affaires',
    [
      'Bonjour,',
      'Voici votre courriel d’activation. Il représente votre porte d’entrée pour votre inscription à l’Espace client Affaires et permet de vous identifier de façon sécuritaire lorsque vous remplissez le formulaire d’inscription.',
      'Pour vous inscrire, ouvrez ce lien : {link}',
      `Votre courriel d’activation expirera ${expiry}; il ne pourra alors plus être utilisé pour vous inscrire. Pour vous inscrire après l’expiration, vous devrez appeler le Service à la clientèle Affaires au ${phone}.`,
      'Si vous n’avez pas demandé ce courriel, vous pouvez l’ignorer.',
    ],
    link,
  );
}

/** Sent instead of an activation email when the holder already has an online account. */
export function alreadyRegisteredEmail(settings: EmailSettings, language: Language): EmailContent {
  const phone = settings.customerServicePhone;
  if (language === 'en') {
    return compose('You already have an online account – Business Customer Portal', [
      'Hello,',
      'An activation email was requested for your business account, but the account holder already has an online account. Sign in to the Business Customer Portal: ' +
        settings.portalUrl,
      `If you did not make this request, or cannot sign in, call Business Customer Service at ${phone}.`,
    ]);
  }
  return compose('Vous avez déjà un compte en ligne – Espace client Affaires', [
    'Bonjour,',
    'Un courriel d’activation a été demandé pour votre compte d’entreprise, mais le titulaire du compte a déjà un compte en ligne. Connectez-vous à l’Espace client Affaires : ' +
      settings.portalUrl,
    `Si vous n’avez pas fait cette demande, ou si vous ne pouvez pas vous connecter, appelez le Service à la clientèle Affaires au ${phone}.`,
  ]);
}

/** Sent after every registration. */
export function confirmationEmail(settings: EmailSettings, language: Language, username: string): EmailContent {
  const phone = settings.customerServicePhone;
  if (language === 'en') {
    return compose('Your online account was created – Business Customer Portal', [
      'Hello,',
      `Your Business Customer Portal online account was created with the username ${username}.`,
      `If it was not you, call Business Customer Service at ${phone}.`,
    ]);
  }
  return compose('Votre compte en ligne a été créé – Espace client Affaires', [
    'Bonjour,',
    `Votre compte en ligne de l’Espace client Affaires a été créé avec le nom d’utilisateur ${username}.`,
    `Si ce n’est pas vous, appelez le Service à la clientèle Affaires au ${phone}.`,
  ]);
}

/** The invitation a holder sends a secondary user through User Management, valid five days. */
export function invitationEmail(
  settings: EmailSettings,
  message: { language: Language; inviteeName: string; holderName: string; companyName: string; token: string; expiresAt: Date },
): EmailContent {
  const link = activationLink(settings.portalUrl, message.token);
  const expiry = formatExpiry(message.expiresAt, message.language);
  const phone = settings.customerServicePhone;
  if (message.language === 'en') {
    return compose(
      `${message.holderName} invites you to the Business Customer Portal`,
      [
        `Hello ${message.inviteeName},`,
        `${message.holderName}, holder of the ${message.companyName} account, added you as a secondary user of the Business Customer Portal.`,
        'To choose your username and password, open this link: {link}',
        `This invitation expires on ${expiry}; after that, ask ${message.holderName} to send a new one. Questions: Business Customer Service at ${phone}.`,
      ],
      link,
    );
  }
  return compose(
    `${message.holderName} vous invite à l’Espace client Affaires`,
    [
      `Bonjour ${message.inviteeName},`,
      `${message.holderName}, titulaire du compte ${message.companyName}, vous a ajouté comme utilisateur secondaire de l’Espace client Affaires.`,
      'Pour choisir votre nom d’utilisateur et votre mot de passe, ouvrez ce lien : {link}',
      `Cette invitation expirera ${expiry}; demandez ensuite à ${message.holderName} de vous en envoyer une nouvelle. Questions : Service à la clientèle Affaires au ${phone}.`,
    ],
    link,
  );
}
