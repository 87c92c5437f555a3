import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The service's structured logger (JSON, one line per entry). Log codes, ids and counts only:
 * never passwords, tokens, emails, postal codes, names or request bodies. Every line of an
 * invocation carries its request's `correlation_id` (see shared/observability/correlation.ts).
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'registration' });
