/**
 * The single table's keys. Every item has `pk` and `sk`; items that expire carry `ttl` (epoch
 * seconds). Expiry is always checked in code too: TTL deletion lags by up to two days.
 */
export const keys = {
  account: (accountNumber: string) => ({ pk: `ACCOUNT#${accountNumber}`, sk: 'PROFILE' }),
  accountState: (accountNumber: string) => ({ pk: `ACCOUNT#${accountNumber}`, sk: 'REGISTRATION' }),
  auditEvent: (accountNumber: string, sortable: string) => ({ pk: `ACCOUNT#${accountNumber}`, sk: `EVENT#${sortable}` }),
  activation: (id: string) => ({ pk: `ACTIVATION#${id}`, sk: 'ACTIVATION' }),
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'USER' }),
  username: (usernameKey: string) => ({ pk: `USERNAME#${usernameKey}`, sk: 'USERNAME' }),
  lockout: (key: string) => ({ pk: `LOCKOUT#${key}`, sk: 'LOCKOUT' }),
  person: (accountNumber: string, personId: string) => ({ pk: `ACCOUNT#${accountNumber}`, sk: `PERSON#${personId}` }),
  session: (tokenHash: string) => ({ pk: `SESSION#${tokenHash}`, sk: 'SESSION' }),
  rateWindow: (key: string, windowStart: number) => ({ pk: `RATE#${key}#${windowStart}`, sk: 'RATE' }),
} as const;

/** Epoch seconds, as DynamoDB TTL and our numeric conditions use them. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
