import * as adapters from '../../shared/adapters/composition';
import { sendConfirmation } from '../../shared/domain/register';
import { workflowHandler } from '../../shared/workflow/task-handler';

const deps = { accounts: adapters.accounts(), logins: adapters.logins(), notifier: adapters.notifier() };

/** Workflow state SendConfirmation: "your online account was created". */
export const handler = workflowHandler(async (input: { accountNumber: string; userId: string }) =>
  sendConfirmation(deps, input),
);
