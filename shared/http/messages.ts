import type { ErrorCode } from '../domain/errors';
import type { FieldCode, ProblemParams } from '../domain/problems';

/** Message languages: French by default, English on `Accept-Language: en`. */
export type MessageLanguage = 'fr' | 'en';

type Catalog = Record<ErrorCode | FieldCode, string>;

const fr: Catalog = {
  VALIDATION_FAILED: 'Certains renseignements sont manquants ou invalides.',
  MALFORMED_JSON: 'Le corps de la requête n’est pas du JSON valide.',
  UNSUPPORTED_MEDIA_TYPE: 'Le corps de la requête doit être de type application/json.',
  PAYLOAD_TOO_LARGE: 'Le corps de la requête dépasse {max} octets.',
  NOT_FOUND: 'Cette ressource n’existe pas.',
  METHOD_NOT_ALLOWED: 'Cette méthode n’est pas permise pour cette ressource.',
  TOO_MANY_REQUESTS: 'Trop de requêtes. Réessayez dans quelques instants.',
  TOO_MANY_ATTEMPTS: 'Trop de tentatives. Réessayez plus tard.',
  TOO_MANY_INVITATIONS:
    'Trop d’invitations. Un compte peut envoyer au plus {perAccount} invitations par période de 24 heures (au plus {perPerson} à une même personne) et compter au plus {maxPeople} utilisateurs. Réessayez plus tard ou retirez un utilisateur.',
  ACTIVATION_NOT_FOUND: 'Ce lien d’activation n’est pas valide. Il a peut-être expiré : demandez un nouveau courriel d’activation.',
  ACTIVATION_EXPIRED:
    'Votre courriel d’activation a expiré; il ne peut plus être utilisé pour vous inscrire. Demandez un nouveau courriel d’activation ou appelez le Service à la clientèle Affaires.',
  ACTIVATION_USED: 'Ce courriel d’activation a déjà été utilisé. Connectez-vous avec votre nom d’utilisateur.',
  ACTIVATION_REVOKED: 'Ce courriel d’activation a été remplacé par un plus récent. Utilisez le dernier courriel reçu.',
  RESET_NOT_FOUND: 'Ce lien de réinitialisation n’est pas valide. Demandez un nouveau courriel de réinitialisation du mot de passe.',
  RESET_EXPIRED: 'Ce lien de réinitialisation a expiré (il est valide une heure). Demandez un nouveau courriel de réinitialisation du mot de passe.',
  RESET_USED: 'Ce lien de réinitialisation a déjà été utilisé. Connectez-vous avec votre nouveau mot de passe ou demandez un nouveau courriel.',
  RESET_REVOKED: 'Ce lien de réinitialisation a été remplacé par un plus récent. Utilisez le dernier courriel reçu.',
  USERNAME_TAKEN: 'Ce nom d’utilisateur n’est pas disponible.',
  ACCOUNT_ALREADY_REGISTERED: 'Le titulaire de ce compte est déjà inscrit à l’Espace client Affaires.',
  ACCOUNT_NOT_FOUND: 'Aucun compte ne correspond à ce numéro.',
  IDENTITY_NOT_VERIFIED: 'Nous n’avons pas pu vérifier votre identité avec ces renseignements.',
  NOT_ACCOUNT_HOLDER:
    'Seul le titulaire du compte peut remplir le formulaire d’inscription. Le titulaire doit vous ajouter comme utilisateur secondaire à l’aide de l’outil de Gestion des utilisateurs.',
  TECHNICAL_USER_NOT_ELIGIBLE: 'Les utilisateurs techniques autorisés ne peuvent pas s’inscrire à l’Espace client Affaires.',
  INVALID_CREDENTIALS: 'Nom d’utilisateur ou mot de passe incorrect.',
  UNAUTHENTICATED: 'Vous devez vous connecter.',
  HOLDER_ONLY: 'Seul le titulaire du compte a accès à cet outil.',
  USER_ALREADY_EXISTS: 'Cet utilisateur existe déjà pour ce compte.',
  USER_NOT_FOUND: 'Cet utilisateur n’existe pas.',
  CANNOT_REMOVE_HOLDER: 'Le titulaire du compte ne peut pas être retiré.',
  SERVICE_UNAVAILABLE: 'Le service est momentanément indisponible. Réessayez dans quelques instants.',
  IDEMPOTENCY_KEY_REUSED: 'Cette clé d’idempotence a déjà servi pour une autre requête.',
  REQUEST_IN_PROGRESS: 'Votre demande précédente est encore en traitement. Réessayez dans un instant.',
  IDEMPOTENCY_KEY_INVALID: 'La clé d’idempotence doit compter de 1 à 64 caractères : lettres, chiffres, « - » et « _ ».',
  INTERNAL_ERROR: 'Une erreur inattendue est survenue. Réessayez plus tard.',
  FIELD_REQUIRED: 'Ce champ est obligatoire.',
  FIELD_TYPE_INVALID: 'Ce champ doit être du texte.',
  USERNAME_TOO_SHORT: 'Le nom d’utilisateur doit compter {min} caractères au minimum.',
  USERNAME_TOO_LONG: 'Le nom d’utilisateur doit compter {max} caractères au maximum.',
  USERNAME_INVALID_CHARACTERS:
    'Caractères non acceptés : {characters}. Seuls les lettres, les chiffres et les caractères spéciaux . - _ sont acceptés.',
  PASSWORD_TOO_SHORT: 'Le mot de passe doit compter {min} caractères au minimum.',
  PASSWORD_TOO_LONG: 'Le mot de passe doit compter {max} caractères au maximum.',
  PASSWORD_LETTER_REQUIRED: 'Le mot de passe doit contenir au moins une lettre.',
  PASSWORD_DIGIT_REQUIRED: 'Le mot de passe doit contenir au moins un chiffre.',
  PASSWORD_INVALID_CHARACTERS: 'Caractères spéciaux non acceptés : {characters}.',
  POSTAL_CODE_INVALID: 'Entrez un code postal canadien valide (ex. : H2X 1Y4).',
  ACCOUNT_NUMBER_INVALID: 'Le numéro de compte compte de {min} à {max} chiffres.',
  EMAIL_INVALID: 'Entrez une adresse courriel valide ({max} caractères au maximum).',
  FORM_AMBIGUOUS: 'Fournissez soit le jeton d’activation, soit les renseignements d’identification, mais pas les deux.',
  ROLE_INVALID: 'Le rôle doit être « secondary » ou « technical ».',
  NAME_INVALID:
    'Le nom doit compter de 1 à {max} caractères et contenir au moins une lettre. Seuls les lettres, les espaces et les caractères spéciaux ’ \' - . sont acceptés.',
  ADVANCE_SECONDS_INVALID: 'advanceSeconds doit être un nombre de secondes, 0 ou plus.',
};

const en: Catalog = {
  VALIDATION_FAILED: 'Some information is missing or invalid.',
  MALFORMED_JSON: 'The request body is not valid JSON.',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be application/json.',
  PAYLOAD_TOO_LARGE: 'The request body is larger than {max} bytes.',
  NOT_FOUND: 'This resource does not exist.',
  METHOD_NOT_ALLOWED: 'This method is not allowed on this resource.',
  TOO_MANY_REQUESTS: 'Too many requests. Try again in a moment.',
  TOO_MANY_ATTEMPTS: 'Too many attempts. Try again later.',
  TOO_MANY_INVITATIONS:
    'Too many invitations. An account can send at most {perAccount} invitations in 24 hours (at most {perPerson} to the same person) and have at most {maxPeople} users. Try again later or remove a user.',
  ACTIVATION_NOT_FOUND: 'This activation link is not valid. It may have expired: request a new activation email.',
  ACTIVATION_EXPIRED:
    'Your activation email has expired and can no longer be used to register. Request a new activation email or call Business Customer Service.',
  ACTIVATION_USED: 'This activation email was already used. Sign in with your username.',
  ACTIVATION_REVOKED: 'This activation email was replaced by a newer one. Use the latest email you received.',
  RESET_NOT_FOUND: 'This password reset link is not valid. Request a new password reset email.',
  RESET_EXPIRED: 'This password reset link has expired (it is valid for one hour). Request a new password reset email.',
  RESET_USED: 'This password reset link was already used. Sign in with your new password or request a new email.',
  RESET_REVOKED: 'This password reset link was replaced by a newer one. Use the latest email you received.',
  USERNAME_TAKEN: 'This username is not available.',
  ACCOUNT_ALREADY_REGISTERED: 'The holder of this account is already registered to the Business Customer Portal.',
  ACCOUNT_NOT_FOUND: 'No account has this number.',
  IDENTITY_NOT_VERIFIED: 'We could not verify your identity with this information.',
  NOT_ACCOUNT_HOLDER:
    'Only the account holder can fill in the registration form. The holder must add you as a secondary user with the User Management tool.',
  TECHNICAL_USER_NOT_ELIGIBLE: 'Authorized technical users cannot register to the Business Customer Portal.',
  INVALID_CREDENTIALS: 'Incorrect username or password.',
  UNAUTHENTICATED: 'You must sign in.',
  HOLDER_ONLY: 'Only the account holder has access to this tool.',
  USER_ALREADY_EXISTS: 'This user already exists for this account.',
  USER_NOT_FOUND: 'This user does not exist.',
  CANNOT_REMOVE_HOLDER: 'The account holder cannot be removed.',
  SERVICE_UNAVAILABLE: 'The service is temporarily unavailable. Try again in a few moments.',
  IDEMPOTENCY_KEY_REUSED: 'This idempotency key was already used for another request.',
  REQUEST_IN_PROGRESS: 'Your previous request is still being processed. Try again in a moment.',
  IDEMPOTENCY_KEY_INVALID: 'The idempotency key must be 1 to 64 letters, digits, "-" and "_".',
  INTERNAL_ERROR: 'An unexpected error occurred. Try again later.',
  FIELD_REQUIRED: 'This field is required.',
  FIELD_TYPE_INVALID: 'This field must be text.',
  USERNAME_TOO_SHORT: 'The username must have at least {min} characters.',
  USERNAME_TOO_LONG: 'The username must have at most {max} characters.',
  USERNAME_INVALID_CHARACTERS:
    'Characters not accepted: {characters}. Only letters, digits and the special characters . - _ are accepted.',
  PASSWORD_TOO_SHORT: 'The password must have at least {min} characters.',
  PASSWORD_TOO_LONG: 'The password must have at most {max} characters.',
  PASSWORD_LETTER_REQUIRED: 'The password must contain at least one letter.',
  PASSWORD_DIGIT_REQUIRED: 'The password must contain at least one digit.',
  PASSWORD_INVALID_CHARACTERS: 'Special characters not accepted: {characters}.',
  POSTAL_CODE_INVALID: 'Enter a valid Canadian postal code (e.g. H2X 1Y4).',
  ACCOUNT_NUMBER_INVALID: 'The account number has {min} to {max} digits.',
  EMAIL_INVALID: 'Enter a valid email address (at most {max} characters).',
  FORM_AMBIGUOUS: 'Give either the activation token or the identity information, not both.',
  ROLE_INVALID: 'The role must be "secondary" or "technical".',
  NAME_INVALID:
    'The name must have 1 to {max} characters, including at least one letter. Only letters, spaces and the special characters ’ \' - . are accepted.',
  ADVANCE_SECONDS_INVALID: 'advanceSeconds must be a number of seconds, 0 or more.',
};

const catalogs: Record<MessageLanguage, Catalog> = { fr, en };

/** The message for a code in a language, with `{param}` placeholders filled in. */
export function message(code: ErrorCode | FieldCode, language: MessageLanguage, params: ProblemParams = {}): string {
  const template = catalogs[language][code] ?? code;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return language === 'en' && name === 'characters' ? String(value).replaceAll('[espace]', '[space]') : String(value);
  });
}

/** English when the client's first acceptable language is English, French otherwise. */
export function negotiateLanguage(acceptLanguage: string | undefined): MessageLanguage {
  if (!acceptLanguage) return 'fr';
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag = '', ...options] = part.trim().toLowerCase().split(';');
      const q = options.map((o) => o.trim()).find((o) => o.startsWith('q='));
      return { tag, q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((entry) => entry.q > 0 && (entry.tag.startsWith('en') || entry.tag.startsWith('fr')))
    .sort((a, b) => b.q - a.q);
  return ranked[0]?.tag.startsWith('en') ? 'en' : 'fr';
}
