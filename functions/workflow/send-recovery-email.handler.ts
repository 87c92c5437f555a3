import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { sendRecoveryEmail } from '../../shared/domain/account-recovery';
import type { RecoveryEmailRequest } from '../../shared/domain/ports';
import { workflowHandler } from '../../shared/workflow/task-handler';

const deps = {
  accounts: adapters.accounts(),
  activations: adapters.activations(),
  logins: adapters.logins(),
  people: adapters.people(),
  resets: adapters.passwordResets(),
  rateLimiter: adapters.rateLimiter(),
  notifier: adapters.recoveryNotifier(),
  clock: systemClock,
};

/** Workflow state SendRecoveryEmail: a password reset link, a "password changed" notice or a username reminder. */
export const handler = workflowHandler(async (input: RecoveryEmailRequest) => sendRecoveryEmail(deps, input));
