import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { clearAccountLockouts } from '../../shared/domain/account-recovery';
import { httpHandler } from '../../shared/http/http-handler';
import { idempotency } from '../../shared/http/idempotency';

const deps = {
  accounts: adapters.accounts(),
  activations: adapters.activations(),
  people: adapters.people(),
  logins: adapters.logins(),
  lockouts: adapters.lockouts(),
  audit: adapters.audit(),
  clock: systemClock,
};

/** DELETE /v1/agent/accounts/{accountNumber}/lockouts (IAM on AWS; x-agent-key locally) — audited. */
export const handler = httpHandler({ body: false, idempotency: idempotency('agent-clear-lockouts') }, async (request) => {
  await clearAccountLockouts(deps, { accountNumber: request.pathParameters.accountNumber ?? '', agent: request.callerArn });
  return { statusCode: 204 };
});
