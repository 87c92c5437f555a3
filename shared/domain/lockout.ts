import { ConcurrentUpdateError, RateLimitedError } from './errors';
import type { Clock } from './ports';

/**
 * Lockouts after repeated failures: `maxFailures` failures of one key within `windowSeconds`
 * lock it for `lockSeconds`, on the service clock.
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

/** The failures of one key, versioned for optimistic concurrency. */
export interface LockoutState {
  failures: Date[];
  lockedUntil?: Date;
  /** 0 when the key has no record. */
  version: number;
}

/** Where failure counts live. */
export interface LockoutStore {
  get(key: string): Promise<LockoutState>;
  /**
   * Saves the state; `expiresAt` tells when the record may be forgotten.
   * @throws ConcurrentUpdateError when the state changed since `expectedVersion` was read.
   */
  save(key: string, state: Omit<LockoutState, 'version'>, expectedVersion: number, expiresAt: Date): Promise<void>;
}

const MAX_ATTEMPTS = 8;

/** @throws RateLimitedError (429 TOO_MANY_ATTEMPTS, with Retry-After) while `key` is locked. */
export async function assertNotLocked(deps: { lockouts: LockoutStore; clock: Clock }, key: string): Promise<void> {
  const state = await deps.lockouts.get(key);
  const now = deps.clock.now().getTime();
  if (state.lockedUntil && state.lockedUntil.getTime() > now) {
    throw new RateLimitedError('TOO_MANY_ATTEMPTS', Math.ceil((state.lockedUntil.getTime() - now) / 1000));
  }
}

/** Counts one failure of `key`; returns whether it locked the key. Exact under concurrency. */
export async function recordFailure(
  deps: { lockouts: LockoutStore; clock: Clock },
  key: string,
  rule: LockoutRule,
): Promise<{ locked: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const now = deps.clock.now();
    const state = await deps.lockouts.get(key);
    const recent = state.failures.filter((at) => now.getTime() - at.getTime() < rule.windowSeconds * 1000);
    const failures = [...recent, now];
    const locked = failures.length >= rule.maxFailures;
    const next = locked
      ? { failures: [], lockedUntil: new Date(now.getTime() + rule.lockSeconds * 1000) }
      : { failures, lockedUntil: state.lockedUntil };
    const forgetAt = new Date(Math.max(next.lockedUntil?.getTime() ?? 0, now.getTime() + rule.windowSeconds * 1000));
    try {
      await deps.lockouts.save(key, next, state.version, forgetAt);
      return { locked };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

/** Forgets the failures of `key` after a success. */
export async function clearFailures(deps: { lockouts: LockoutStore; clock: Clock }, key: string): Promise<void> {
  const state = await deps.lockouts.get(key);
  if (state.version === 0 || (state.failures.length === 0 && !state.lockedUntil)) return;
  await deps.lockouts.save(key, { failures: [] }, state.version, deps.clock.now()).catch((error) => {
    // A concurrent failure won the race: keeping its count is the safe side.
    if (!(error instanceof ConcurrentUpdateError)) throw error;
  });
}
