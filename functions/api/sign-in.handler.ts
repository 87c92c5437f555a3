import * as adapters from '../../shared/adapters/composition';
import { loggedIncidents } from '../../shared/adapters/logged-incidents';
import { systemClock } from '../../shared/adapters/system-clock';
import { signIn } from '../../shared/domain/sessions';
import { httpHandler } from '../../shared/http/http-handler';
import { parseRequest, signInSchema } from '../../shared/http/request-schemas';
import { businessMetrics } from '../../shared/observability/business-metrics';
import type { SignInResponse } from '../../shared/http/response-schemas';

const deps = {
  logins: adapters.logins(),
  sessions: adapters.sessions(),
  passwords: adapters.passwords(),
  lockouts: adapters.lockouts(),
  incidents: loggedIncidents,
  clock: systemClock,
  events: businessMetrics,
};

/** POST /v1/sessions — username and password give an 8-hour session token. */
export const handler = httpHandler({ body: true }, async (request) => ({
  statusCode: 201,
  body: (await signIn(deps, parseRequest(signInSchema, request.body))) satisfies SignInResponse,
}));
