import * as adapters from '../../shared/adapters/composition';
import { requestUsernameReminder } from '../../shared/domain/account-recovery';
import { httpHandler } from '../../shared/http/http-handler';
import { idempotency } from '../../shared/http/idempotency';
import { parseRequest, usernameReminderSchema } from '../../shared/http/request-schemas';
import type { AcceptedResponse } from '../../shared/http/response-schemas';

const deps = { workflow: adapters.workflow() };

/** POST /v1/username-reminders — the same 202 whatever the pair (no enumeration). */
export const handler = httpHandler({ body: true, idempotency: idempotency('request-username-reminder') }, async (request) => {
  await requestUsernameReminder(deps, parseRequest(usernameReminderSchema, request.body));
  return { statusCode: 202, body: { status: 'accepted' } satisfies AcceptedResponse };
});
