import { AppError } from '../../shared/domain/errors';
import { httpHandler } from '../../shared/http/http-handler';
import { resolveRoute } from '../../shared/http/routes';

/** Every path and method no route serves: 405 with `Allow` when the path exists, 404 otherwise. */
export const handler = httpHandler({ body: false }, async (request) => {
  const resolved = resolveRoute(request.method, request.path);
  if (!resolved.route && resolved.allowed.length > 0) {
    throw new AppError(405, 'METHOD_NOT_ALLOWED', { headers: { allow: resolved.allowed.join(', ') } });
  }
  throw new AppError(404, 'NOT_FOUND');
});
