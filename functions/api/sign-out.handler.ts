import * as adapters from '../../shared/adapters/composition';
import { signOut } from '../../shared/domain/sessions';
import { httpHandler } from '../../shared/http/http-handler';
import { idempotency } from '../../shared/http/idempotency';

const deps = { sessions: adapters.sessions() };

/** DELETE /v1/sessions/current — ends the caller's session. */
export const handler = httpHandler({ body: false, authenticate: adapters.authenticator(), idempotency: idempotency('sign-out') }, async (request) => {
  await signOut(deps, request.principal!);
  return { statusCode: 204 };
});
