import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { addUser } from '../../shared/domain/user-management';
import { httpHandler } from '../../shared/http/http-handler';
import { idempotency } from '../../shared/http/idempotency';
import { addUserSchema, parseRequest } from '../../shared/http/request-schemas';
import type { AddAccountUserResponse } from '../../shared/http/response-schemas';

const deps = { accounts: adapters.accounts(), people: adapters.people(), workflow: adapters.workflow(), clock: systemClock };

/** POST /v1/account/users — adds a secondary (invited) or technical (recorded) user. */
export const handler = httpHandler({ body: true, authenticate: adapters.authenticator(), idempotency: idempotency('add-account-user') }, async (request) => ({
  statusCode: 201,
  body: (await addUser(deps, request.principal!, parseRequest(addUserSchema, request.body))) satisfies AddAccountUserResponse,
}));
