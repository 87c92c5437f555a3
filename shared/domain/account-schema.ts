import * as z from 'zod/mini';
import { isMobilityOnly, type Account } from './account';
import { checkEmail, normalizeAccountNumber, normalizePostalCode } from './field-rules';

/**
 * The billing system's account record as the import tool checks it (product spec §1). Apart from
 * ./account so that the functions that only read accounts do not carry zod's validator for it.
 */

const postalCode = z.string().check(
  z.refine((value) => normalizePostalCode(value) !== undefined, 'a Canadian postal code (A1A 1A1)'),
);
const email = z.string().check(z.refine((value) => checkEmail(value).length === 0, 'a valid email address'));
const personName = z.string().check(z.minLength(1), z.maxLength(200));

const serviceKinds = ['internet', 'tv', 'phone', 'mobility'] as const;

export const accountSchema = z.object({
  accountNumber: z.string().check(
    z.refine((value) => normalizeAccountNumber(value) !== undefined, '9 to 12 digits'),
  ),
  companyName: z.string().check(z.minLength(1), z.maxLength(200)),
  language: z._default(z.enum(['fr', 'en']), 'fr'),
  holder: z.object({ name: personName, email }),
  services: z.array(z.enum(serviceKinds)).check(z.minLength(1)),
  serviceAddress: z.optional(z.object({ postalCode })),
  billingAddress: z.object({ postalCode }),
  authorizedUsers: z._default(
    z.array(z.object({ name: personName, email, role: z.enum(['secondary', 'technical']) })),
    [],
  ),
});

/** Validates and normalizes one record; returns the problems as readable lines when it is invalid. */
export function parseAccount(record: unknown): { account: Account } | { problems: string[] } {
  const result = accountSchema.safeParse(record);
  if (!result.success) {
    return {
      problems: result.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`),
    };
  }
  const account = result.data;
  const normalized: Account = {
    ...account,
    accountNumber: normalizeAccountNumber(account.accountNumber)!,
    billingAddress: { postalCode: normalizePostalCode(account.billingAddress.postalCode)! },
    serviceAddress: account.serviceAddress && {
      postalCode: normalizePostalCode(account.serviceAddress.postalCode)!,
    },
  };
  if (!normalized.serviceAddress && !isMobilityOnly(normalized)) {
    return { problems: ['serviceAddress: required unless the account has mobility services only'] };
  }
  return { account: normalized };
}
