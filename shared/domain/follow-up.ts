import { backoff } from './contention';

/** Where failures that must not fail the request are reported (logged, counted by an alarm). */
export interface Incidents {
  report(step: string, error: unknown): void;
}

const FOLLOW_UP_ATTEMPTS = 3;

/**
 * Runs the follow-ups of a change that is already written (audit, resuming or starting the
 * workflow…), in order, each with a few retries. One that still fails is reported, never
 * thrown: the change succeeded, and answering otherwise would make the client try it again and
 * be refused (`ACTIVATION_USED`) for what in fact worked.
 */
export async function runFollowUps(incidents: Incidents, steps: [string, () => Promise<unknown>][]): Promise<void> {
  for (const [step, work] of steps) {
    for (let attempt = 1; ; attempt++) {
      try {
        await work();
        break;
      } catch (error) {
        if (attempt < FOLLOW_UP_ATTEMPTS) {
          await backoff(attempt + 3);
          continue;
        }
        incidents.report(step, error);
        break;
      }
    }
  }
}

/**
 * Runs follow-ups that do not depend on one another side by side, each with the retries of
 * `runFollowUps`: the answer waits for the slowest of them rather than for their sum.
 */
export async function runFollowUpsSideBySide(incidents: Incidents, steps: [string, () => Promise<unknown>][]): Promise<void> {
  await Promise.all(steps.map((step) => runFollowUps(incidents, [step])));
}
