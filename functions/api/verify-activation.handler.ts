import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { verifyActivation } from '../../shared/domain/verify-activation';
import { httpHandler } from '../../shared/http/http-handler';
import { parseRequest, verifyActivationSchema } from '../../shared/http/request-schemas';
import type { VerifyActivationResponse } from '../../shared/http/response-schemas';

const deps = { activations: adapters.activations(), clock: systemClock };

/** POST /v1/activations/verify — checks a token, never consumes it. */
export const handler = httpHandler({ body: true, readOnly: true }, async (request) => ({
  statusCode: 200,
  body: (await verifyActivation(deps, parseRequest(verifyActivationSchema, request.body))) satisfies VerifyActivationResponse,
}));
