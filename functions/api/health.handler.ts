import { httpHandler } from '../../shared/http/http-handler';
import type { HealthResponse } from '../../shared/http/response-schemas';

/** GET /v1/health */
export const handler = httpHandler({ body: false, readOnly: true }, async () => ({ statusCode: 200, body: { status: 'ok' } satisfies HealthResponse }));
