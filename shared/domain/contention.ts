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

/** The cap of the wait before retry number `attempt` (1 = after the first failure), ms. */
export function backoffCeiling(attempt: number): number {
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
}

/** Waits before retry number `attempt` (1 = after the first failure): full jitter under a cap. */
export function backoff(attempt: number): Promise<void> {
  return sleep(randomInt(backoffCeiling(attempt) + 1));
}

/**
 * Waits before retry number `attempt` while another request holds what this one waits for (an
 * activation claimed by a parallel registration): at least half the cap, the rest random, so that
 * `CONTENTION_ATTEMPTS` tries wait 1.8–3.7 s in all. Full jitter could add up to almost nothing,
 * and a loser would then answer 429 while the winner, slowed by a busy machine, was still writing.
 */
export function patientBackoff(attempt: number): Promise<void> {
  const ceiling = backoffCeiling(attempt);
  const half = Math.floor(ceiling / 2);
  return sleep(half + randomInt(ceiling - half + 1));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
