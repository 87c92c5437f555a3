import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { awaitRegistration } from '../../shared/domain/issue-activation';
import { workflowHandler } from '../../shared/workflow/task-handler';

const deps = { activations: adapters.activations(), workflow: adapters.workflow(), clock: systemClock };

/** Workflow state AwaitRegistration (`.waitForTaskToken`): parks the task token on the activation. */
export const handler = workflowHandler(async (input: { activationId: string; taskToken: string }) => {
  await awaitRegistration(deps, input);
  return {};
});
