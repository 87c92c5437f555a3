import * as adapters from '../../shared/adapters/composition';
import { loggedIncidents } from '../../shared/adapters/logged-incidents';
import { systemClock } from '../../shared/adapters/system-clock';
import { awaitRegistration } from '../../shared/domain/issue-activation';
import { workflowHandler } from '../../shared/workflow/task-handler';

const deps = { activations: adapters.activations(), workflow: adapters.workflow(), clock: systemClock, incidents: loggedIncidents };

/** The state's input (registration.asl.json): `issued` is IssueActivation's outcome. */
interface AwaitRegistrationInput {
  activationId: string;
  taskToken: string;
  issued?: { revokedActivationId?: string };
}

/**
 * Workflow state AwaitRegistration (`.waitForTaskToken`): parks the task token on the activation,
 * and ends the wait of the activation it replaced.
 */
export const handler = workflowHandler(async ({ activationId, taskToken, issued }: AwaitRegistrationInput) => {
  await awaitRegistration(deps, { activationId, taskToken, revokedActivationId: issued?.revokedActivationId });
  return {};
});
