import type { Language } from '../domain/account';
import { renderEmail, type EmailContent } from './layout';
import { formatExpiry, portalLink, type EmailSettings } from './templates';

/**
 * The account-recovery emails (spec §3 E), in French and English, text and HTML parts built by the
 * shared layout (`./layout`, which escapes every value). The reset link carries its token in the
 * URL fragment, so it never reaches a server log; no tracking, no remote image.
 */

/** The link that opens the "choose a new password" form for a reset token. */
export function passwordResetLink(portalUrl: string, token: string, language: Language): string {
  return portalLink(portalUrl, 'password-reset', language, token);
}

const WORDS = {
  fr: {
    hello: 'Bonjour,',
    username: 'Nom d’utilisateur',
    usernames: 'Noms d’utilisateur',
    fallback: 'Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur :',
    help: 'Service à la clientèle Affaires',
  },
  en: {
    hello: 'Hello,',
    username: 'Username',
    usernames: 'Usernames',
    fallback: 'If the button does not work, copy this link into your browser:',
    help: 'Business Customer Service',
  },
} as const;

function common(settings: EmailSettings, language: Language) {
  const w = WORDS[language];
  return { language, greeting: w.hello, help: { label: w.help, phone: settings.customerServicePhone } };
}

/** "Choose a new password": a one-hour, single-use link. */
export function passwordResetEmail(settings: EmailSettings, message: { language: Language; username: string; token: string; expiresAt: Date }): EmailContent {
  const { language, username } = message;
  const w = WORDS[language];
  const link = passwordResetLink(settings.portalUrl, message.token, language);
  const expiry = formatExpiry(message.expiresAt, language);
  const phone = settings.customerServicePhone;
  const details = [{ label: w.username, value: username }];
  if (language === 'en') {
    return renderEmail({
      ...common(settings, language),
      subject: 'Reset your password – Business Customer Portal',
      preheader: `Choose a new password for ${username}. The link expires on ${expiry}.`,
      heading: 'Reset your password',
      intro: [`We received a request to reset the password of the username ${username}.`],
      details,
      action: { label: 'Choose a new password', url: link, fallbackIntro: w.fallback },
      after: [`This link works once and expires on ${expiry}.`],
      why: `You are receiving this email because a password reset was requested for this username. If you did not ask for it, you can ignore this email: your password does not change. If you get such emails you did not ask for, call Business Customer Service at ${phone}.`,
    });
  }
  return renderEmail({
    ...common(settings, language),
    subject: 'Réinitialisez votre mot de passe – Espace client Affaires',
    preheader: `Choisissez un nouveau mot de passe pour ${username}. Le lien expire ${expiry}.`,
    heading: 'Réinitialisez votre mot de passe',
    intro: [`Nous avons reçu une demande de réinitialisation du mot de passe du nom d’utilisateur ${username}.`],
    details,
    action: { label: 'Choisir un nouveau mot de passe', url: link, fallbackIntro: w.fallback },
    after: [`Ce lien ne fonctionne qu’une fois et expire ${expiry}.`],
    why: `Vous recevez ce courriel parce qu’une réinitialisation du mot de passe a été demandée pour ce nom d’utilisateur. Si vous n’avez pas fait cette demande, ignorez ce courriel : votre mot de passe ne change pas. Si vous recevez de tels courriels sans les avoir demandés, appelez le Service à la clientèle Affaires au ${phone}.`,
  });
}

/** "Your password was changed": a notice, no link. */
export function passwordChangedEmail(settings: EmailSettings, message: { language: Language; username: string }): EmailContent {
  const { language, username } = message;
  const w = WORDS[language];
  const phone = settings.customerServicePhone;
  const details = [{ label: w.username, value: username }];
  if (language === 'en') {
    return renderEmail({
      ...common(settings, language),
      subject: 'Your password was changed – Business Customer Portal',
      preheader: `The password of ${username} was just changed.`,
      heading: 'Your password was changed',
      intro: [`The password of the username ${username} was just changed. Your other sessions were signed out.`],
      details,
      after: [],
      why: `You are receiving this email because the password of this username was changed. If it was not you, call Business Customer Service at ${phone} right away.`,
    });
  }
  return renderEmail({
    ...common(settings, language),
    subject: 'Votre mot de passe a été modifié – Espace client Affaires',
    preheader: `Le mot de passe de ${username} vient d’être modifié.`,
    heading: 'Votre mot de passe a été modifié',
    intro: [`Le mot de passe du nom d’utilisateur ${username} vient d’être modifié. Vos autres sessions ont été fermées.`],
    details,
    after: [],
    why: `Vous recevez ce courriel parce que le mot de passe de ce nom d’utilisateur a été modifié. Si ce n’est pas vous, appelez sans tarder le Service à la clientèle Affaires au ${phone}.`,
  });
}

/** "Your usernames": those registered with this address on the account. */
export function usernameReminderEmail(settings: EmailSettings, message: { language: Language; usernames: string[] }): EmailContent {
  const { language } = message;
  const w = WORDS[language];
  const phone = settings.customerServicePhone;
  const list = message.usernames.join(', ');
  const details = [{ label: message.usernames.length > 1 ? w.usernames : w.username, value: list }];
  if (language === 'en') {
    return renderEmail({
      ...common(settings, language),
      subject: 'Your username – Business Customer Portal',
      preheader: `Your username: ${list}`,
      heading: 'Your username',
      intro: [`You asked for the usernames registered with this email address on your account: ${list}`],
      details,
      action: { label: 'Sign in to the Business Customer Portal', url: settings.portalUrl, fallbackIntro: w.fallback },
      after: [],
      why: `You are receiving this email because the usernames of this email address were requested. If you did not ask for this email, you can ignore it. For help, call Business Customer Service at ${phone}.`,
    });
  }
  return renderEmail({
    ...common(settings, language),
    subject: 'Votre nom d’utilisateur – Espace client Affaires',
    preheader: `Votre nom d’utilisateur : ${list}`,
    heading: 'Votre nom d’utilisateur',
    intro: [`Vous avez demandé les noms d’utilisateur inscrits avec cette adresse courriel pour votre compte : ${list}`],
    details,
    action: { label: 'Me connecter à l’Espace client Affaires', url: settings.portalUrl, fallbackIntro: w.fallback },
    after: [],
    why: `Vous recevez ce courriel parce que les noms d’utilisateur de cette adresse courriel ont été demandés. Si vous n’avez pas fait cette demande, ignorez ce courriel. Pour de l’aide, appelez le Service à la clientèle Affaires au ${phone}.`,
  });
}
