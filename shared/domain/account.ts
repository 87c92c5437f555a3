import type * as z from 'zod/mini';
import type { accountSchema } from './account-schema';

/**
 * The billing system's account, as the import tool loads it (product spec §1). Read-only here.
 * Its schema (zod) is in ./account-schema, which only the import loads: the functions that read
 * accounts need the type, not the validator.
 */

/** An account record as given to the import tool. */
export type AccountInput = z.input<typeof accountSchema>;

/** An account, normalized: digits-only account number, canonical postal codes. */
export type Account = z.infer<typeof accountSchema>;

export type Language = Account['language'];

/** An account whose only services are mobile ones has no service address. */
export function isMobilityOnly(account: Pick<Account, 'services'>): boolean {
  return account.services.every((service) => service === 'mobility');
}

/**
 * The postal code that proves identity: the service address's, or for a mobility-only account
 * the billing address's (the help page: "l'adresse figurant au compte associé").
 */
export function identityPostalCode(account: Account): string {
  return isMobilityOnly(account) || !account.serviceAddress
    ? account.billingAddress.postalCode
    : account.serviceAddress.postalCode;
}

/** An account as JSON with sorted keys and no undefined members: equal accounts give equal text. */
export function canonicalAccountJson(account: Account): string {
  return JSON.stringify(canonical(account));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}
