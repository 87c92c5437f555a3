import type { Incidents } from '../domain/follow-up';
import { logger } from '../observability/logger';

/** Incidents as error log lines (`follow-up failed`), which the `FollowUpFailures` alarm counts. */
export const loggedIncidents: Incidents = {
  report(step, error) {
    logger.error('follow-up failed', { step, errorName: (error as { name?: string } | undefined)?.name });
  },
};
