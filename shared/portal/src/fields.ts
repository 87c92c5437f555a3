/**
 * The form fields of the spec (§2), each with the server's own rule from the domain, imported
 * rather than rewritten, so the page and the API can never disagree.
 */
import { checkAccountNumber, checkEmail, checkName, checkPassword, checkPostalCode, checkUsername } from '../../domain/field-rules';
import { Field } from './forms';
import type { TextKey } from './i18n';

/** Account number: 9–12 digits, spaces and hyphens ignored. */
export const accountNumberField = () =>
  new Field({ name: 'accountNumber', label: 'accountNumber', hint: 'accountNumberHint', inputmode: 'numeric', autocomplete: 'off', check: checkAccountNumber });

/** Postal code (`A1A 1A1`); the hint says which address's, as the help page does. */
export const postalCodeField = (hint: TextKey = 'postalCodeHint') =>
  new Field({ name: 'postalCode', label: 'postalCode', hint, autocomplete: 'postal-code', check: checkPostalCode });

/** Email address, at most 254 characters. */
export const emailField = (hint?: TextKey) =>
  new Field({ name: 'email', label: 'email', hint, type: 'email', inputmode: 'email', autocomplete: 'email', check: checkEmail });

/** A username being chosen: the rule applies. */
export const newUsernameField = () =>
  new Field({ name: 'username', label: 'username', hint: 'usernameHint', autocomplete: 'username', check: checkUsername });

/** A password being chosen: the rule applies. */
export const newPasswordField = (name = 'password', label: TextKey = 'password') =>
  new Field({ name, label, hint: 'passwordHint', type: 'password', autocomplete: 'new-password', check: checkPassword, reveal: true });

/** Signing in: only presence is checked, so an account made under older rules still signs in. */
/** Username and password to sign in (or to ask for a reset): present, nothing more. */
export const signInUsernameField = () => new Field({ name: 'username', label: 'username', autocomplete: 'username' });
export const signInPasswordField = () => new Field({ name: 'password', label: 'password', type: 'password', autocomplete: 'current-password', reveal: true });

/** A person's name in User Management: letters, spaces and ' ’ - . */
export const nameField = () => new Field({ name: 'name', label: 'name', hint: 'nameHint', autocomplete: 'off', check: checkName });
