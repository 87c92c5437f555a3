import { randomInt } from 'node:crypto';
import { BusyError, ConcurrentUpdateError } from './errors';

/**
 * Contention between requests: optimistic writes that lose a race are retried after an
 * exponential backoff with full jitter (a random wait between 0 and the capped exponential),
 * so that parallel losers spread out instead of colliding again in lockstep.
 */

/** How many tries a contended write gets before the request answers 429 `TOO_MANY_REQUESTS`. */
export const CONTENTION_ATTEMPTS = 10;
const BASE_DELAY_MS = 10;
const MAX_DELAY_MS = 800;

/** Waits before retry number `attempt` (1 = after the first failure): full jitter under a cap. */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, randomInt(ceiling + 1)));
}

/**
 * Runs `work` (read, decide, conditional write) until it does not meet `ConcurrentUpdateError`,
 * backing off between tries.
 * @throws BusyError (429 with Retry-After) when the contention outlives the retries; whatever
 *   else `work` throws.
 */
export async function retryOnConflict<T>(work: (attempt: number) => Promise<T>, attempts = CONTENTION_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      if (attempt >= attempts) throw new BusyError(error);
      await backoff(attempt);
    }
  }
}
