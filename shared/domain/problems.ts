/**
 * The codes of everything the API can refuse, and the shape of one problem with a field.
 * Codes are the API's contract (product spec §2 and §4): never rename one.
 */
export const fieldCodes = [
  'FIELD_REQUIRED',
  'FIELD_TYPE_INVALID',
  'USERNAME_TOO_SHORT',
  'USERNAME_TOO_LONG',
  'USERNAME_INVALID_CHARACTERS',
  'USERNAME_TAKEN',
  'PASSWORD_TOO_SHORT',
  'PASSWORD_TOO_LONG',
  'PASSWORD_LETTER_REQUIRED',
  'PASSWORD_DIGIT_REQUIRED',
  'PASSWORD_INVALID_CHARACTERS',
  'POSTAL_CODE_INVALID',
  'ACCOUNT_NUMBER_INVALID',
  'EMAIL_INVALID',
  'FORM_AMBIGUOUS',
  'ROLE_INVALID',
  'NAME_INVALID',
  'ADVANCE_SECONDS_INVALID',
  'IDEMPOTENCY_KEY_INVALID',
] as const;

/** A code that describes one field's problem. */
export type FieldCode = (typeof fieldCodes)[number];

/** Parameters a message may interpolate (limits, refused characters). Never personal data. */
export type ProblemParams = Record<string, string | number>;

/** One problem of one field; requests report all their problems at once. */
export interface FieldProblem {
  field: string;
  code: FieldCode;
  params?: ProblemParams;
}
