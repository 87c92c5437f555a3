import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The service's structured logger (JSON, one line per entry). Log codes, ids and counts only:
 * never passwords, tokens, emails, postal codes or request bodies.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'registration' });
