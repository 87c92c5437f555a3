import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { resendInvitation } from '../../shared/domain/user-management';
import { httpHandler } from '../../shared/http/http-handler';
import { idempotency } from '../../shared/http/idempotency';
import type { AcceptedResponse } from '../../shared/http/response-schemas';

const deps = { accounts: adapters.accounts(), people: adapters.people(), workflow: adapters.workflow(), clock: systemClock };

/** POST /v1/account/users/{userId}/invitation — sends a new invitation, revoking the older one. */
export const handler = httpHandler({ body: false, authenticate: adapters.authenticator(), idempotency: idempotency('resend-invitation') }, async (request) => {
  await resendInvitation(deps, request.principal!, { userId: request.pathParameters.userId ?? '' });
  return { statusCode: 202, body: { status: 'accepted' } satisfies AcceptedResponse };
});
