import { adapters } from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { issueActivation, type Channel } from '../../shared/domain/issue-activation';
import { workflowHandler } from '../../shared/workflow/task-handler';

const deps = {
  accounts: adapters.accounts(),
  activations: adapters.activations(),
  notifier: adapters.notifier(),
  workflow: adapters.workflow(),
  audit: adapters.audit(),
  clock: systemClock,
};

/** Workflow state IssueActivation: issues the activation and emails it (or a notice). */
export const handler = workflowHandler(async (input: { activationId: string; accountNumber: string; channel: Channel }) =>
  issueActivation(deps, input),
);
