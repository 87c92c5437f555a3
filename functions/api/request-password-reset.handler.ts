import * as adapters from '../../shared/adapters/composition';
import { requestPasswordReset } from '../../shared/domain/account-recovery';
import { httpHandler } from '../../shared/http/http-handler';
import { idempotency } from '../../shared/http/idempotency';
import { parseRequest, passwordResetRequestSchema } from '../../shared/http/request-schemas';
import type { AcceptedResponse } from '../../shared/http/response-schemas';

const deps = { workflow: adapters.workflow() };

/** POST /v1/password-resets — the same 202 whatever the username (no enumeration). */
export const handler = httpHandler({ body: true, idempotency: idempotency('request-password-reset') }, async (request) => {
  await requestPasswordReset(deps, parseRequest(passwordResetRequestSchema, request.body));
  return { statusCode: 202, body: { status: 'accepted' } satisfies AcceptedResponse };
});
