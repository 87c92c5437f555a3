import { RateLimitedError } from './errors';
import type { Clock } from './ports';

/**
 * Lockouts after repeated failures: `maxFailures` attempts of one key within `windowSeconds`
 * that did not succeed lock it for `lockSeconds`, on the service clock.
 *
 * An attempt is counted atomically *before* the costly check (password hash, identity lookup)
 * and forgotten when the check succeeds, so a burst of parallel guesses gets at most
 * `maxFailures` checks: the rest are refused without being checked.
 */
export interface LockoutRule {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

/** Flow B: five failed identity checks for one account number within an hour lock it for an hour. */
export const IDENTITY_LOCKOUT: LockoutRule = { maxFailures: 5, windowSeconds: 3600, lockSeconds: 3600 };
/** Sign-in: five failures for one username within 15 minutes lock it for 15 minutes. */
export const SIGN_IN_LOCKOUT: LockoutRule = { maxFailures: 5, windowSeconds: 900, lockSeconds: 900 };

/** What an attempt taken on a key tells. */
export type TakenAttempt = { allowed: true; attempt: number } | { allowed: false; retryAfterSeconds: number };

/** Where attempt counts live. */
export interface LockoutStore {
  /**
   * Counts one attempt of `key`, atomically, unless `key` is locked: the `maxFailures`-th attempt
   * within the window is the last one allowed, and the key stays locked for `lockSeconds` after it.
   * @throws BusyError when contention on the key outlives the retries
   */
  take(key: string, rule: LockoutRule, now: Date): Promise<TakenAttempt>;
  /** Forgets the attempts of `key` (after a success, or when an agent clears it). */
  clear(key: string): Promise<void>;
  /** Until when `key` is locked as of `now`, if it is (for Customer Service). */
  lockedUntil(key: string, rule: LockoutRule, now: Date): Promise<Date | undefined>;
}

/**
 * Takes one attempt of `key` before the check it guards.
 * @returns the attempt's number within the window (`rule.maxFailures` = the last before the lock)
 * @throws RateLimitedError (429 TOO_MANY_ATTEMPTS, with Retry-After) while `key` is locked
 */
export async function takeAttempt(
  deps: { lockouts: LockoutStore; clock: Clock },
  key: string,
  rule: LockoutRule,
): Promise<{ attempt: number; locksOnFailure: boolean }> {
  const taken = await deps.lockouts.take(key, rule, deps.clock.now());
  if (!taken.allowed) throw new RateLimitedError('TOO_MANY_ATTEMPTS', taken.retryAfterSeconds);
  return { attempt: taken.attempt, locksOnFailure: taken.attempt >= rule.maxFailures };
}
