import * as adapters from '../../shared/adapters/composition';
import { systemClock } from '../../shared/adapters/system-clock';
import { checkUsernameAvailability } from '../../shared/domain/username-availability';
import { httpHandler } from '../../shared/http/http-handler';
import { message } from '../../shared/http/messages';

const deps = { logins: adapters.logins(), rateLimiter: adapters.rateLimiter(), clock: systemClock };

/** GET /v1/usernames/{username}/availability */
export const handler = httpHandler({ body: false, readOnly: true }, async (request) => {
  const availability = await checkUsernameAvailability(deps, {
    username: request.pathParameters.username ?? '',
    clientAddress: request.sourceIp,
  });
  return {
    statusCode: 200,
    body: {
      ...availability,
      problems: availability.problems.map((p) => ({ code: p.code, message: message(p.code, request.language, p.params) })),
    },
  };
});
