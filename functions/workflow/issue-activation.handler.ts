import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { issueActivation } from '../../shared/domain/issue-activation';
import type { ActivationRequest } from '../../shared/domain/ports';
import { workflowHandler } from '../../shared/workflow/task-handler';
import { businessMetrics } from '../../shared/observability/business-metrics';

const deps = {
  accounts: adapters.accounts(),
  activations: adapters.activations(),
  notifier: adapters.notifier(),
  people: adapters.people(),
  audit: adapters.audit(),
  clock: systemClock,
  events: businessMetrics,
};

/**
 * Workflow state IssueActivation: issues the activation and emails it (or a notice). Calls no
 * Step Functions API: the wait of the activation it replaces is ended by AwaitRegistration.
 */
export const handler = workflowHandler(async (input: ActivationRequest) =>
  issueActivation(deps, input),
);
