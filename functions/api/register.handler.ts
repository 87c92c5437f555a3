import { adapters } from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { registerWithActivation } from '../../shared/domain/register';
import { httpHandler } from '../../shared/http/http-handler';
import { parseRequest, tokenRegistrationSchema } from '../../shared/http/request-schemas';

const deps = {
  accounts: adapters.accounts(),
  activations: adapters.activations(),
  logins: adapters.logins(),
  passwords: adapters.passwords(),
  workflow: adapters.workflow(),
  audit: adapters.audit(),
  clock: systemClock,
};

/** POST /v1/registrations — creates a login, exactly once per token and per username. */
export const handler = httpHandler({ body: true }, async (request) => ({
  statusCode: 201,
  body: await registerWithActivation(deps, parseRequest(tokenRegistrationSchema, request.body)),
}));
