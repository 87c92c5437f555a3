import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { recordUndelivered } from '../../shared/domain/issue-activation';
import { logger } from '../../shared/observability/logger';
import { workflowHandler } from '../../shared/workflow/task-handler';
import { businessMetrics } from '../../shared/observability/business-metrics';

const deps = {
  accounts: adapters.accounts(),
  activations: adapters.activations(),
  people: adapters.people(),
  audit: adapters.audit(),
  clock: systemClock,
  events: businessMetrics,
};

/**
 * Workflow state RecordFailure: the activation's email still failed after every retry. Its outcome
 * goes where IssueActivation's would: `failed`, or `sent` when an earlier send may have arrived.
 */
export const handler = workflowHandler(async (input: { activationId: string }) => {
  const outcome = await recordUndelivered(deps, input);
  // A customer without a link: the ActivationEmailsFailed alarm counts it (metric from recordUndelivered).
  if (outcome.outcome === 'failed') logger.error('activation not delivered', { activationId: input.activationId, outcome: outcome.outcome });
  else logger.warn('activation kept as delivered: an earlier send may have arrived', { activationId: input.activationId, outcome: outcome.outcome });
  return outcome;
});
