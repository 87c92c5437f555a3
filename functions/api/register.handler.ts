import * as adapters from '../../shared/adapters/composition';
import { loggedIncidents } from '../../shared/adapters/logged-incidents';
import { systemClock } from '../../shared/adapters/system-clock';
import { register } from '../../shared/domain/register';
import { httpHandler } from '../../shared/http/http-handler';
import { idempotency } from '../../shared/http/idempotency';
import { parseRegistration } from '../../shared/http/request-schemas';
import { businessMetrics } from '../../shared/observability/business-metrics';
import type { RegistrationResponse } from '../../shared/http/response-schemas';

const deps = {
  accounts: adapters.accounts(),
  activations: adapters.activations(),
  logins: adapters.logins(),
  people: adapters.people(),
  lockouts: adapters.lockouts(),
  passwords: adapters.passwords(),
  workflow: adapters.workflow(),
  audit: adapters.audit(),
  incidents: loggedIncidents,
  clock: systemClock,
  events: businessMetrics,
};

/** POST /v1/registrations — with a token, or with identity proof; exactly once per login. */
export const handler = httpHandler({ body: true, idempotency: idempotency('register') }, async (request) => ({
  statusCode: 201,
  body: (await register(deps, parseRegistration(request.body))) satisfies RegistrationResponse,
}));
