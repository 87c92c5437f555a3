import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { registrationStatus } from '../../shared/domain/agent';
import { httpHandler } from '../../shared/http/http-handler';

const deps = {
  accounts: adapters.accounts(),
  activations: adapters.activations(),
  logins: adapters.logins(),
  people: adapters.people(),
  lockouts: adapters.lockouts(),
  audit: adapters.audit(),
  suppressions: adapters.suppressionList(),
  clock: systemClock,
};

/** GET /v1/agent/accounts/{accountNumber}/registration[?cursor=…] (IAM on AWS; x-agent-key locally). */
export const handler = httpHandler({ body: false }, async (request) => ({
  statusCode: 200,
  body: await registrationStatus(deps, { accountNumber: request.pathParameters.accountNumber ?? '', cursor: request.query.cursor }),
}));
