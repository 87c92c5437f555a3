import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { requestActivation } from '../../shared/domain/issue-activation';
import { httpHandler } from '../../shared/http/http-handler';
import { idempotency } from '../../shared/http/idempotency';
import { activationRequestSchema, parseRequest } from '../../shared/http/request-schemas';
import { businessMetrics } from '../../shared/observability/business-metrics';
import type { AcceptedResponse } from '../../shared/http/response-schemas';

const deps = { accounts: adapters.accounts(), workflow: adapters.workflow(), clock: systemClock, events: businessMetrics };

/** POST /v1/activation-requests — the same 202 for every well-formed request (no enumeration). */
export const handler = httpHandler({ body: true, idempotency: idempotency('request-activation') }, async (request) => {
  await requestActivation(deps, parseRequest(activationRequestSchema, request.body));
  return { statusCode: 202, body: { status: 'accepted' } satisfies AcceptedResponse };
});
