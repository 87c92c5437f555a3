import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { expireActivation } from '../../shared/domain/issue-activation';
import { workflowHandler } from '../../shared/workflow/task-handler';
import { businessMetrics } from '../../shared/observability/business-metrics';

const deps = { activations: adapters.activations(), audit: adapters.audit(), clock: systemClock, events: businessMetrics };

/** Workflow state ExpireActivation: five days passed with no registration. */
export const handler = workflowHandler(async (input: { activationId: string }) => expireActivation(deps, input));
