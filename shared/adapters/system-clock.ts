import type { Clock } from '../domain/ports';

// Moved only by the local stack's `POST /__dev/clock`; nothing on AWS changes it, so it stays 0.
let offsetMs = 0;

/** The machine's clock, plus the local stack's offset (always zero on AWS). */
export const systemClock: Clock = { now: () => new Date(Date.now() + offsetMs) };

/** Moves `systemClock` forward: for the local stack's dev route only, never called on AWS. */
export function advanceSystemClock(seconds: number): Date {
  offsetMs += seconds * 1000;
  return systemClock.now();
}
