import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { verifyPasswordReset } from '../../shared/domain/account-recovery';
import { httpHandler } from '../../shared/http/http-handler';
import { parseRequest, verifyPasswordResetSchema } from '../../shared/http/request-schemas';
import type { VerifyPasswordResetResponse } from '../../shared/http/response-schemas';

const deps = { resets: adapters.passwordResets(), clock: systemClock };

/** POST /v1/password-resets/verify — checks a reset link, never consumes it. */
export const handler = httpHandler({ body: true, readOnly: true }, async (request) => ({
  statusCode: 200,
  body: (await verifyPasswordReset(deps, parseRequest(verifyPasswordResetSchema, request.body))) satisfies VerifyPasswordResetResponse,
}));
