import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { listUsers } from '../../shared/domain/user-management';
import { httpHandler } from '../../shared/http/http-handler';
import type { AccountUsersResponse } from '../../shared/http/response-schemas';

const deps = { accounts: adapters.accounts(), logins: adapters.logins(), people: adapters.people(), clock: systemClock };

/** GET /v1/account/users — User Management's list (holder only). */
export const handler = httpHandler({ body: false, readOnly: true, authenticate: adapters.authenticator() }, async (request) => ({
  statusCode: 200,
  body: (await listUsers(deps, request.principal!)) satisfies AccountUsersResponse,
}));
