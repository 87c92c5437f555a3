/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The pages' words in French (the help page's wording) and English, and the reader's language:
 * `?lang=` first, then the choice kept from an earlier page, then French. Texts are bound to
 * their nodes, so switching language rewrites them in place: the page is not reloaded, which
 * would lose what was typed and the link's token (already removed from the address bar).
 */
import { message, type MessageLanguage } from '../../http/messages';
import type { ErrorCode } from '../../domain/errors';
import type { FieldCode, ProblemParams } from '../../domain/problems';

export type Lang = MessageLanguage;

const fr = {
  serviceName: 'Espace client Affaires',
  skipLink: 'Aller au contenu principal',
  switchTo: 'English',
  switchLabel: 'Display this page in English',
  languageNav: 'Langue',
  footerHelp: 'Besoin d’aide? Service à la clientèle Affaires : ',
  footerPrivacy: 'Ces renseignements personnels sont importants. Ils ne seront jamais divulgués.',
  required: 'obligatoire',
  accountNumber: 'Numéro de compte',
  postalCode: 'Code postal',
  email: 'Adresse courriel',
  username: "Nom d'utilisateur",
  password: 'Mot de passe',
  newPassword: 'Nouveau mot de passe',
  name: 'Nom',
  role: 'Type d’utilisateur',
  accountNumberHint: 'De 9 à 12 chiffres, inscrit sur votre facture.',
  postalCodeHint:
    'Le code postal de l’adresse où sont fournis les services. Pour les services de Mobilité, le code postal de l’adresse figurant au compte associé.',
  postalCodeHintShort: 'Par exemple : H2X 1Y4.',
  emailHint: 'L’adresse courriel inscrite à votre dossier.',
  usernameHint: '8 caractères au minimum (50 au maximum); lettres et chiffres acceptés; caractères spéciaux acceptés : . - _; non acceptés : [Espace] = + < > # @',
  passwordHint: '6 caractères au minimum (16 au maximum); au moins une lettre et un chiffre; caractères non acceptés : [Espace] = + < > # @',
  showPassword: 'Afficher le mot de passe',
  nameHint: 'Prénom et nom de la personne.',
  checking: 'Vérification…',
  usernameAvailable: 'Ce nom d’utilisateur est disponible.',
  usernameSuggestions: 'Suggestions de noms d’utilisateur disponibles :',
  useSuggestion: 'Utiliser {name}',
  availabilityPaused: 'La vérification de disponibilité reprendra dans un instant.',
  fixFields: 'Corrigez les champs indiqués.',
  unexpectedError: 'Une erreur inattendue est survenue. Réessayez plus tard.',
  networkError: 'Impossible de joindre le service. Vérifiez votre connexion Internet, puis réessayez.',
  serviceUnavailable: 'Le service est momentanément indisponible. Vos renseignements sont conservés : réessayez {when}.',
  retryInMinutes: 'Réessayez dans {n} minutes.',
  retryInOneMinute: 'Réessayez dans 1 minute.',
  retryInHours: 'Réessayez dans {n} heures.',
  whenMinutes: 'dans {n} minutes',
  whenOneMinute: 'dans 1 minute',
  whenMoment: 'dans quelques instants',
  callCustomerService: 'Appelez le Service à la clientèle Affaires au {phone}.',
  // activation
  activationTitle: 'Inscription à l’Espace client Affaires',
  invitationTitle: 'Créez votre accès à l’Espace client Affaires',
  activationChecking: 'Vérification de votre lien d’activation…',
  activationIntro: 'Choisissez votre nom d’utilisateur et votre mot de passe pour terminer votre inscription.',
  invitationIntro: 'Le titulaire du compte vous a ajouté comme utilisateur secondaire. Choisissez votre nom d’utilisateur et votre mot de passe.',
  activationAccount: 'Compte',
  activationExpires: 'Ce lien est valide jusqu’au {date}.',
  createAccount: 'Créer mon compte en ligne',
  activationMissingTitle: 'Lien d’activation incomplet',
  activationMissing: 'Ce lien ne contient pas de code d’activation. Ouvrez le lien du courriel d’activation tel quel, ou demandez un nouveau courriel.',
  linkProblemTitle: 'Ce lien ne peut plus être utilisé',
  linkUsedTitle: 'Ce lien a déjà été utilisé',
  nextStepsTitle: 'Que faire maintenant?',
  nextHolderLabel: 'Titulaire du compte : ',
  nextHolderRequest: 'demandez un nouveau courriel d’activation',
  nextHolderCall: ' ou appelez le Service à la clientèle Affaires au ',
  nextInvitationLabel: 'Utilisateur secondaire invité : ',
  nextInvitation: 'demandez au titulaire du compte de vous envoyer une nouvelle invitation à partir de l’outil de Gestion des utilisateurs.',
  nextSignIn: 'Se connecter',
  nextForgotPassword: 'Mot de passe ou nom d’utilisateur oublié?',
  nextLatestEmail: 'Ouvrez le lien du plus récent courriel reçu.',
  successTitle: 'Votre compte en ligne est créé',
  successText: 'Votre nom d’utilisateur est {username}. Un courriel de confirmation vous a été envoyé.',
  successSignIn: 'Me connecter à l’Espace client Affaires',
  // registration
  registrationTitle: 'Inscription sans courriel d’activation',
  registrationIntro: 'Seul le titulaire du compte, la personne responsable du compte qui paie habituellement la facture mensuelle, peut remplir ce formulaire.',
  registrationSecondary:
    'Vous n’êtes pas le titulaire? Le titulaire du compte doit vous ajouter comme utilisateur secondaire à l’aide de l’outil de Gestion des utilisateurs.',
  registrationHaveEmail: 'Vous préférez recevoir un courriel d’activation?',
  registerSubmit: 'M’inscrire',
  // activation request
  requestTitle: 'Demander un courriel d’activation',
  requestIntro:
    'Un courriel d’activation sera envoyé à l’adresse courriel inscrite à votre dossier. Il expirera cinq jours après sa réception.',
  requestSubmit: 'Envoyer le courriel d’activation',
  requestDone:
    'Demande reçue. Si ces renseignements correspondent à un compte, un courriel d’activation a été envoyé à l’adresse courriel inscrite au dossier. Il est valide cinq jours.',
  requestNoEmail: 'Vous n’avez plus accès à cette adresse courriel?',
  requestWithout: 'Inscrivez-vous sans courriel d’activation',
  // sign-in
  signInTitle: 'Connexion à l’Espace client Affaires',
  signInSubmit: 'Me connecter',
  signInForgot: 'Mot de passe ou nom d’utilisateur oublié?',
  signInNoAccount: 'Pas encore de compte en ligne?',
  signInRequest: 'Demander un courriel d’activation',
  signInRegister: 'M’inscrire sans courriel d’activation',
  signedOutNotice: 'Vous êtes déconnecté.',
  sessionExpired: 'Votre session a pris fin. Connectez-vous de nouveau.',
  // users
  usersTitle: 'Gestion des utilisateurs',
  signedInAs: 'Connecté : {username} — compte {account}',
  signOut: 'Me déconnecter',
  usersListTitle: 'Personnes du compte',
  usersLoading: 'Chargement de la liste…',
  colName: 'Nom',
  colEmail: 'Adresse courriel',
  colRole: 'Type',
  colStatus: 'Statut',
  colActions: 'Actions',
  role_holder: 'Titulaire',
  role_secondary: 'Utilisateur secondaire',
  role_technical: 'Utilisateur technique',
  status_active: 'Actif',
  status_invited: 'Invitation envoyée',
  status_invitation_expired: 'Invitation expirée',
  status_no_online_access: 'Sans accès en ligne',
  status_revoked: 'Retiré',
  resend: 'Renvoyer l’invitation',
  resendLabel: 'Renvoyer l’invitation à {name}',
  remove: 'Retirer',
  removeLabel: 'Retirer {name}',
  removeConfirm: 'Retirer {name}? Son accès et ses invitations seront annulés.',
  removeYes: 'Confirmer le retrait',
  cancel: 'Annuler',
  resent: 'Invitation envoyée de nouveau à {name}.',
  removed: '{name} a été retiré.',
  addTitle: 'Ajouter un utilisateur',
  addIntro: 'Un utilisateur secondaire reçoit une invitation valide cinq jours pour choisir son nom d’utilisateur et son mot de passe.',
  addSecondary: 'Utilisateur secondaire (reçoit une invitation)',
  addTechnical: 'Utilisateur technique (inscrit au dossier, sans accès en ligne)',
  addSubmit: 'Ajouter',
  added: '{name} a été ajouté.',
  addedInvited: '{name} a été ajouté; une invitation lui a été envoyée.',
  holderOnly: 'Seul le titulaire du compte a accès à la Gestion des utilisateurs. Vous êtes connecté comme utilisateur secondaire.',
  noActions: 'Aucune action',
  // password reset
  resetTitle: 'Mot de passe ou nom d’utilisateur oublié',
  resetRequestTitle: 'Mot de passe oublié',
  resetRequestIntro: 'Entrez votre nom d’utilisateur : un lien pour choisir un nouveau mot de passe, valide une heure, sera envoyé à votre adresse courriel.',
  resetRequestSubmit: 'Envoyer le lien',
  resetRequestDone: 'Demande reçue. Si ce nom d’utilisateur existe, un courriel a été envoyé. Le lien est valide une heure.',
  reminderTitle: 'Nom d’utilisateur oublié',
  reminderIntro: 'Entrez votre numéro de compte et votre adresse courriel : vos noms d’utilisateur vous seront envoyés par courriel.',
  reminderSubmit: 'Recevoir mon nom d’utilisateur',
  reminderDone: 'Demande reçue. Si ces renseignements correspondent à un utilisateur, un courriel a été envoyé.',
  resetChooseTitle: 'Choisir un nouveau mot de passe',
  resetChecking: 'Vérification de votre lien…',
  resetFor: 'Nouveau mot de passe pour {username}.',
  resetSubmit: 'Enregistrer le mot de passe',
  resetDoneTitle: 'Votre mot de passe est changé',
  resetDone: 'Vous pouvez maintenant vous connecter avec votre nouveau mot de passe.',
  resetLinkProblemTitle: 'Ce lien ne peut plus être utilisé',
  resetRequestAgain: 'Demandez un nouveau lien ci-dessous.',
  dateLocale: 'fr-CA',
  labelled: '{label}\u00a0: ',
} as const;

export type TextKey = keyof typeof fr;

const en: Record<TextKey, string> = {
  serviceName: 'Business Customer Portal',
  skipLink: 'Skip to main content',
  switchTo: 'Français',
  switchLabel: 'Afficher cette page en français',
  languageNav: 'Language',
  footerHelp: 'Need help? Business Customer Service: ',
  footerPrivacy: 'This personal information matters. It will never be disclosed.',
  required: 'required',
  accountNumber: 'Account number',
  postalCode: 'Postal code',
  email: 'Email address',
  username: 'Username',
  password: 'Password',
  newPassword: 'New password',
  name: 'Name',
  role: 'Type of user',
  accountNumberHint: '9 to 12 digits, printed on your bill.',
  postalCodeHint:
    'The postal code of the address where the services are provided. For Mobility services, the postal code of the address on the associated account.',
  postalCodeHintShort: 'For example: H2X 1Y4.',
  emailHint: 'The email address on file for your account.',
  usernameHint: 'At least 8 characters (at most 50); letters and digits accepted; special characters accepted: . - _; not accepted: [Space] = + < > # @',
  passwordHint: 'At least 6 characters (at most 16); at least one letter and one digit; not accepted: [Space] = + < > # @',
  showPassword: 'Show password',
  nameHint: 'The person’s first and last name.',
  checking: 'Checking…',
  usernameAvailable: 'This username is available.',
  usernameSuggestions: 'Available usernames you could use:',
  useSuggestion: 'Use {name}',
  availabilityPaused: 'Availability checks will resume in a moment.',
  fixFields: 'Correct the fields shown.',
  unexpectedError: 'An unexpected error occurred. Try again later.',
  networkError: 'The service cannot be reached. Check your Internet connection, then try again.',
  serviceUnavailable: 'The service is temporarily unavailable. What you typed is kept: try again {when}.',
  retryInMinutes: 'Try again in {n} minutes.',
  retryInOneMinute: 'Try again in 1 minute.',
  retryInHours: 'Try again in {n} hours.',
  whenMinutes: 'in {n} minutes',
  whenOneMinute: 'in 1 minute',
  whenMoment: 'in a few moments',
  callCustomerService: 'Call Business Customer Service at {phone}.',
  activationTitle: 'Register to the Business Customer Portal',
  invitationTitle: 'Create your access to the Business Customer Portal',
  activationChecking: 'Checking your activation link…',
  activationIntro: 'Choose your username and password to complete your registration.',
  invitationIntro: 'The account holder added you as a secondary user. Choose your username and password.',
  activationAccount: 'Account',
  activationExpires: 'This link is valid until {date}.',
  createAccount: 'Create my online account',
  activationMissingTitle: 'Incomplete activation link',
  activationMissing: 'This link holds no activation code. Open the activation email’s link as it is, or request a new email.',
  linkProblemTitle: 'This link can no longer be used',
  linkUsedTitle: 'This link was already used',
  nextStepsTitle: 'What to do now?',
  nextHolderLabel: 'Account holder: ',
  nextHolderRequest: 'request a new activation email',
  nextHolderCall: ' or call Business Customer Service at ',
  nextInvitationLabel: 'Invited secondary user: ',
  nextInvitation: 'ask the account holder to send you a new invitation from the User Management tool.',
  nextSignIn: 'Sign in',
  nextForgotPassword: 'Forgot your password or username?',
  nextLatestEmail: 'Open the link of the most recent email you received.',
  successTitle: 'Your online account is created',
  successText: 'Your username is {username}. A confirmation email was sent to you.',
  successSignIn: 'Sign in to the Business Customer Portal',
  registrationTitle: 'Register without an activation email',
  registrationIntro: 'Only the account holder, the person responsible for the account who usually pays the monthly bill, can fill in this form.',
  registrationSecondary: 'Not the holder? The account holder must add you as a secondary user with the User Management tool.',
  registrationHaveEmail: 'Would you rather receive an activation email?',
  registerSubmit: 'Register',
  requestTitle: 'Request an activation email',
  requestIntro: 'An activation email will be sent to the email address on file for your account. It expires five days after you receive it.',
  requestSubmit: 'Send the activation email',
  requestDone:
    'Request received. If this information matches an account, an activation email was sent to the email address on file. It is valid for five days.',
  requestNoEmail: 'No longer have access to that email address?',
  requestWithout: 'Register without an activation email',
  signInTitle: 'Sign in to the Business Customer Portal',
  signInSubmit: 'Sign in',
  signInForgot: 'Forgot your password or username?',
  signInNoAccount: 'No online account yet?',
  signInRequest: 'Request an activation email',
  signInRegister: 'Register without an activation email',
  signedOutNotice: 'You are signed out.',
  sessionExpired: 'Your session ended. Sign in again.',
  usersTitle: 'User Management',
  signedInAs: 'Signed in: {username} — account {account}',
  signOut: 'Sign out',
  usersListTitle: 'People of the account',
  usersLoading: 'Loading the list…',
  colName: 'Name',
  colEmail: 'Email address',
  colRole: 'Type',
  colStatus: 'Status',
  colActions: 'Actions',
  role_holder: 'Account holder',
  role_secondary: 'Secondary user',
  role_technical: 'Technical user',
  status_active: 'Active',
  status_invited: 'Invitation sent',
  status_invitation_expired: 'Invitation expired',
  status_no_online_access: 'No online access',
  status_revoked: 'Removed',
  resend: 'Resend invitation',
  resendLabel: 'Resend invitation to {name}',
  remove: 'Remove',
  removeLabel: 'Remove {name}',
  removeConfirm: 'Remove {name}? Their access and invitations will be cancelled.',
  removeYes: 'Confirm removal',
  cancel: 'Cancel',
  resent: 'Invitation sent again to {name}.',
  removed: '{name} was removed.',
  addTitle: 'Add a user',
  addIntro: 'A secondary user receives an invitation, valid five days, to choose a username and password.',
  addSecondary: 'Secondary user (receives an invitation)',
  addTechnical: 'Technical user (on file, no online access)',
  addSubmit: 'Add',
  added: '{name} was added.',
  addedInvited: '{name} was added; an invitation was sent.',
  holderOnly: 'Only the account holder has access to User Management. You are signed in as a secondary user.',
  noActions: 'No action',
  resetTitle: 'Forgot your password or username',
  resetRequestTitle: 'Forgot your password',
  resetRequestIntro: 'Enter your username: a link to choose a new password, valid one hour, will be sent to your email address.',
  resetRequestSubmit: 'Send the link',
  resetRequestDone: 'Request received. If this username exists, an email was sent. The link is valid for one hour.',
  reminderTitle: 'Forgot your username',
  reminderIntro: 'Enter your account number and email address: your usernames will be emailed to you.',
  reminderSubmit: 'Email my username',
  reminderDone: 'Request received. If this information matches a user, an email was sent.',
  resetChooseTitle: 'Choose a new password',
  resetChecking: 'Checking your link…',
  resetFor: 'New password for {username}.',
  resetSubmit: 'Save the password',
  resetDoneTitle: 'Your password is changed',
  resetDone: 'You can now sign in with your new password.',
  resetLinkProblemTitle: 'This link can no longer be used',
  resetRequestAgain: 'Request a new link below.',
  dateLocale: 'en-CA',
  labelled: '{label}: ',
};

const catalogs: Record<Lang, Record<TextKey, string>> = { fr, en };
const STORAGE_KEY = 'portal.lang';

function initialLanguage(): Lang {
  const asked = new URLSearchParams(location.search).get('lang');
  if (asked === 'en' || asked === 'fr') {
    remember(asked);
    return asked;
  }
  try {
    const kept = localStorage.getItem(STORAGE_KEY);
    if (kept === 'en' || kept === 'fr') return kept;
  } catch {
    // Storage may be disabled: French, the default, then.
  }
  return 'fr';
}

function remember(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // The choice then lasts for this page only (and the links carry it).
  }
}

let current: Lang = initialLanguage();
type Binding = { node: Node; update: () => void };
let bindings: Binding[] = [];
const listeners: (() => void)[] = [];

/** The reader's language. */
export function lang(): Lang {
  return current;
}

/** The text of `key` in the reader's language, with `{param}` placeholders filled in. */
export function t(key: TextKey, params: Record<string, string | number> = {}): string {
  return catalogs[current][key].replace(/\{(\w+)\}/g, (whole, name: string) => (params[name] === undefined ? whole : String(params[name])));
}

/** The API's message for a field problem code, in the reader's language (the server's own catalog). */
export function problemMessage(code: FieldCode | ErrorCode, params?: ProblemParams): string {
  return message(code, current, params);
}

/** Keeps `update` applied to `node` whenever the language changes (and applies it now). */
export function bind<N extends Node>(node: N, update: (node: N) => void): N {
  update(node);
  bindings.push({ node, update: () => update(node) });
  return node;
}

/** A text node that follows the language. */
export function tx(key: TextKey | (() => string), params?: Record<string, string | number>): Text {
  const text = typeof key === 'function' ? key : () => t(key, params);
  return bind(document.createTextNode(''), (node) => (node.data = text()));
}

/** Runs `listener` after each language change (to redo what is not a bound text). */
export function onLanguageChange(listener: () => void): void {
  listeners.push(listener);
}

/** Switches language in place: bound texts, `<html lang>`, the address (`?lang=`), and the kept choice. */
export function setLanguage(lang: Lang): void {
  current = lang;
  remember(lang);
  document.documentElement.lang = lang;
  const url = new URL(location.href);
  url.searchParams.set('lang', lang);
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  // Texts of views no longer shown are dropped, so the list does not grow with each view. Views
  // are attached as soon as they are built, so at a (user-triggered) switch every live one is.
  bindings = bindings.filter((binding) => binding.node.isConnected);
  for (const binding of bindings) binding.update();
  for (const listener of listeners) listener();
}

/** A portal path with the reader's language, so the choice follows the links. */
export function href(path: string): string {
  const base = document.body.dataset.base ?? '';
  return `${base}${path}${current === 'en' ? '?lang=en' : ''}`;
}

/** "try again in N minutes" from a `Retry-After` value in seconds. */
export function retryIn(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  if (minutes === 1) return t('retryInOneMinute');
  if (minutes > 120) return t('retryInHours', { n: Math.ceil(minutes / 60) });
  return t('retryInMinutes', { n: minutes });
}

/** A date and time as the reader reads them, in Montréal's time zone (the emails' too). */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(t('dateLocale'), { dateStyle: 'long', timeStyle: 'short', timeZone: 'America/Montreal' }).format(date);
}

document.documentElement.lang = current;
