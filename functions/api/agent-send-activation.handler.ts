import * as adapters from '../../shared/adapters/composition';
import { sendActivationForAgent } from '../../shared/domain/agent';
import { httpHandler } from '../../shared/http/http-handler';
import { idempotency } from '../../shared/http/idempotency';
import { businessMetrics } from '../../shared/observability/business-metrics';
import type { AgentSendActivationResponse } from '../../shared/http/response-schemas';

const deps = { accounts: adapters.accounts(), activations: adapters.activations(), workflow: adapters.workflow(), events: businessMetrics };

/** POST /v1/agent/accounts/{accountNumber}/activation-email (IAM on AWS; x-agent-key locally). */
export const handler = httpHandler({ body: false, idempotency: idempotency('agent-send-activation') }, async (request) => ({
  statusCode: 202,
  body: (await sendActivationForAgent(deps, { accountNumber: request.pathParameters.accountNumber ?? '', agent: request.callerArn })) satisfies AgentSendActivationResponse,
}));
