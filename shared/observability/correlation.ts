import { randomUUID } from 'node:crypto';
import { logger } from './logger';

/** The header that carries the correlation id in (optional) and out (every API answer). */
export const CORRELATION_HEADER = 'x-correlation-id';

// What a caller may choose: an id, not free text, so that nothing odd (newlines, markup, spaces,
// an email address) reaches the logs or the SES tags through it.
/** A well-formed caller-supplied correlation id (also what the OpenAPI description documents). */
export const WELL_FORMED_CORRELATION_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$/;
const WELL_FORMED = WELL_FORMED_CORRELATION_ID;

/** Whether a caller-supplied correlation id is acceptable as is (8–64 of `A-Z a-z 0-9 . _ : -`). */
export function isWellFormedCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && WELL_FORMED.test(value);
}

/**
 * The correlation id of an API request: the caller's `X-Correlation-Id` when well-formed,
 * otherwise API Gateway's request id (a fresh UUID when there is none, as in unit tests).
 */
export function correlationIdOf(header: string | undefined, requestId: string | undefined): string {
  if (isWellFormedCorrelationId(header)) return header;
  return isWellFormedCorrelationId(requestId) ? requestId : randomUUID();
}

/**
 * The correlation id an SES event (bounce, complaint…) carries back: the `correlation_id` tag the
 * notifier put on the email. Undefined when absent or not one of ours.
 */
export function correlationIdOfSesEvent(message: string): string | undefined {
  try {
    const id = (JSON.parse(message) as { mail?: { tags?: Record<string, unknown> } })?.mail?.tags?.correlation_id;
    const value = Array.isArray(id) ? id[0] : undefined;
    return isWellFormedCorrelationId(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Puts the id on every log line of the current invocation (`correlation_id`). */
export function useCorrelationId(id: string): void {
  logger.setCorrelationId(id);
}

/** The current invocation's correlation id, for what it starts or sends (workflow input, email tag). */
export function currentCorrelationId(): string | undefined {
  const id = logger.getCorrelationId();
  return isWellFormedCorrelationId(id) ? id : undefined;
}
