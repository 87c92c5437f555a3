import * as adapters from '../../shared/adapters/composition';
import { loggedIncidents } from '../../shared/adapters/logged-incidents';
import { systemClock } from '../../shared/adapters/system-clock';
import { changePassword } from '../../shared/domain/account-recovery';
import { httpHandler } from '../../shared/http/http-handler';
import { idempotency } from '../../shared/http/idempotency';
import { changePasswordSchema, parseRequest } from '../../shared/http/request-schemas';
import { businessMetrics } from '../../shared/observability/business-metrics';

const deps = {
  logins: adapters.logins(),
  resets: adapters.passwordResets(),
  passwords: adapters.passwords(),
  lockouts: adapters.lockouts(),
  workflow: adapters.workflow(),
  incidents: loggedIncidents,
  clock: systemClock,
  events: businessMetrics,
};

/** PUT /v1/sessions/current/password — with the current password; other sessions end. */
export const handler = httpHandler({ body: true, authenticate: adapters.authenticator(), idempotency: idempotency('change-password') }, async (request) => {
  await changePassword(deps, request.principal!, parseRequest(changePasswordSchema, request.body));
  return { statusCode: 204 };
});
