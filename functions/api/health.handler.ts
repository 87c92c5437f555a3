import { httpHandler } from '../../shared/http/http-handler';

/** GET /v1/health */
export const handler = httpHandler({ body: false }, async () => ({ statusCode: 200, body: { status: 'ok' } }));
