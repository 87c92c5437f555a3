import type { FieldProblem, ProblemParams } from './problems';

/**
 * The field rules of the registration form (product spec §2), as pure functions. Each `check…`
 * returns every problem of its field at once; each `normalize…` gives the canonical form that is
 * stored and compared.
 */

export const USERNAME_MIN = 8;
export const USERNAME_MAX = 50;
export const PASSWORD_MIN = 6;
export const PASSWORD_MAX = 16;
export const EMAIL_MAX = 254;

const USERNAME_ALLOWED = /^[A-Za-z0-9._-]$/;
// Space (any white space), the five symbols the help page names, and control characters.
const PASSWORD_REFUSED = /[\s=+<>#@\p{Cc}]/u;

type Problem = Omit<FieldProblem, 'field'>;

/** Lists the distinct characters of `value` that `isRefused` refuses, in order of appearance. */
function refusedCharacters(value: string, isRefused: (char: string) => boolean): string[] {
  const seen = new Set<string>();
  for (const char of value) if (isRefused(char)) seen.add(char);
  return [...seen];
}

/** Renders refused characters for a message: a space is shown by name, not as blank. */
function describeCharacters(chars: string[]): ProblemParams {
  return { characters: chars.map((c) => (/\s/u.test(c) ? '[espace]' : c)).join(' ') };
}

/** Username: 8–50 characters, ASCII letters, digits and `.` `-` `_` only. */
export function checkUsername(username: string): Problem[] {
  const problems: Problem[] = [];
  const length = [...username].length;
  if (length < USERNAME_MIN) problems.push({ code: 'USERNAME_TOO_SHORT', params: { min: USERNAME_MIN } });
  if (length > USERNAME_MAX) problems.push({ code: 'USERNAME_TOO_LONG', params: { max: USERNAME_MAX } });
  const refused = refusedCharacters(username, (c) => !USERNAME_ALLOWED.test(c));
  if (refused.length > 0) problems.push({ code: 'USERNAME_INVALID_CHARACTERS', params: describeCharacters(refused) });
  return problems;
}

/** The key under which a username is unique: usernames are compared case-insensitively. */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

/** Password: 6–16 code points, a letter and a digit, none of space = + < > # @ nor controls. */
export function checkPassword(password: string): Problem[] {
  const problems: Problem[] = [];
  const length = [...password].length;
  if (length < PASSWORD_MIN) problems.push({ code: 'PASSWORD_TOO_SHORT', params: { min: PASSWORD_MIN } });
  if (length > PASSWORD_MAX) problems.push({ code: 'PASSWORD_TOO_LONG', params: { max: PASSWORD_MAX } });
  if (!/\p{L}/u.test(password)) problems.push({ code: 'PASSWORD_LETTER_REQUIRED' });
  if (!/[0-9]/.test(password)) problems.push({ code: 'PASSWORD_DIGIT_REQUIRED' });
  const refused = refusedCharacters(password, (c) => PASSWORD_REFUSED.test(c));
  if (refused.length > 0) {
    // Control characters are named by their code point: they have no visible form.
    const shown = refused.map((c) => (/\p{Cc}/u.test(c) && !/\s/u.test(c) ? `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : c));
    problems.push({ code: 'PASSWORD_INVALID_CHARACTERS', params: describeCharacters(shown) });
  }
  return problems;
}

// Canadian postal codes: no D F I O Q U anywhere, and no W or Z as first letter.
const POSTAL_CODE = /^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z])[ -]?(\d[ABCEGHJ-NPRSTV-Z]\d)$/;

/** Canonical postal code (`H2X1Y4`), or undefined when it is not a Canadian postal code. */
export function normalizePostalCode(value: string): string | undefined {
  const match = POSTAL_CODE.exec(value.trim().toUpperCase());
  return match ? `${match[1]}${match[2]}` : undefined;
}

/** Postal code: `A1A 1A1`; case and the middle space or hyphen are ignored. */
export function checkPostalCode(value: string): Problem[] {
  return normalizePostalCode(value) ? [] : [{ code: 'POSTAL_CODE_INVALID' }];
}

/** Canonical account number (digits only), or undefined when it is not 9–12 digits. */
export function normalizeAccountNumber(value: string): string | undefined {
  const digits = value.replace(/[\s-]/g, '');
  return /^\d{9,12}$/.test(digits) ? digits : undefined;
}

/** Account number: 9–12 digits; spaces and hyphens are ignored. */
export function checkAccountNumber(value: string): Problem[] {
  return normalizeAccountNumber(value) ? [] : [{ code: 'ACCOUNT_NUMBER_INVALID', params: { min: 9, max: 12 } }];
}

/** Shows only the last three digits of an account number: `•••••••789`. */
export function maskAccountNumber(accountNumber: string): string {
  return '•'.repeat(Math.max(0, accountNumber.length - 3)) + accountNumber.slice(-3);
}

// A practical address check (RFC 5321 sizes, dot-atom local part, a dotted domain of LDH labels);
// the final proof of an address is a mail that arrives.
const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const EMAIL_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Email: a valid address of at most 254 characters. */
export function checkEmail(value: string): Problem[] {
  const invalid = [{ code: 'EMAIL_INVALID' as const, params: { max: EMAIL_MAX } }];
  if (value.length > EMAIL_MAX) return invalid;
  const at = value.lastIndexOf('@');
  if (at < 1) return invalid;
  const local = value.slice(0, at);
  const labels = value.slice(at + 1).split('.');
  if (local.length > 64 || !EMAIL_LOCAL.test(local)) return invalid;
  if (labels.length < 2 || !labels.every((label) => EMAIL_LABEL.test(label))) return invalid;
  if (!/^[A-Za-z]{2,}$/.test(labels[labels.length - 1]!)) return invalid;
  return [];
}

export const NAME_MAX = 100;
// Letters of any script with their combining marks, spaces and the punctuation of names. Digits,
// control and bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F,
// U+061C: all of category Cf) are outside this list, so a name cannot reorder what an email shows.
const NAME_CHARACTERS = /^[\p{L}\p{M} \u00A0'’.-]+$/u;

/** Name of a person added with User Management: after trimming, 1–100 letters, spaces and ' ’ - . with a letter. */
export function checkName(value: string): Problem[] {
  const name = value.trim();
  const length = [...name].length;
  const valid = length >= 1 && length <= NAME_MAX && NAME_CHARACTERS.test(name) && /\p{L}/u.test(name);
  return valid ? [] : [{ code: 'NAME_INVALID', params: { max: NAME_MAX } }];
}

/** The key under which emails are compared: case-insensitively, surrounding space ignored. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}
