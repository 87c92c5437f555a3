import * as adapters from '../../shared/adapters/composition';
import { loggedIncidents } from '../../shared/adapters/logged-incidents';
import { systemClock } from '../../shared/adapters/system-clock';
import { completePasswordReset } from '../../shared/domain/account-recovery';
import { httpHandler } from '../../shared/http/http-handler';
import { idempotency } from '../../shared/http/idempotency';
import { completePasswordResetSchema, parseRequest } from '../../shared/http/request-schemas';

const deps = {
  resets: adapters.passwordResets(),
  passwords: adapters.passwords(),
  lockouts: adapters.lockouts(),
  workflow: adapters.workflow(),
  incidents: loggedIncidents,
  clock: systemClock,
};

/** POST /v1/password-resets/complete — sets the new password; the link works exactly once. */
export const handler = httpHandler({ body: true, idempotency: idempotency('complete-password-reset') }, async (request) => {
  await completePasswordReset(deps, parseRequest(completePasswordResetSchema, request.body));
  return { statusCode: 204 };
});
