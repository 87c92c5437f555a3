import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { removeUser } from '../../shared/domain/user-management';
import { httpHandler } from '../../shared/http/http-handler';
import { idempotency } from '../../shared/http/idempotency';

const deps = { people: adapters.people(), activations: adapters.activations(), workflow: adapters.workflow(), clock: systemClock };

/** DELETE /v1/account/users/{userId} — disables the login, revokes sessions and invitations. */
export const handler = httpHandler({ body: false, authenticate: adapters.authenticator(), idempotency: idempotency('remove-account-user') }, async (request) => {
  await removeUser(deps, request.principal!, { userId: request.pathParameters.userId ?? '' });
  return { statusCode: 204 };
});
