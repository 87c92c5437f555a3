import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, logInvocation } from '../observability/logger';
import { isWellFormedCorrelationId, useCorrelationId } from '../observability/correlation';

/**
 * Wraps a workflow task in the Middy stack: logger context, and the correlation id the state
 * machine passes in each task's input (`correlationId`, from the API request that started the
 * execution) on every log line. Each run ends with one line, `workflow step done` with the
 * step's outcome, or `workflow task failed`. Errors propagate unchanged: their `name` is the
 * error code the state machine's Retry and Catch match (`EmailDeliveryDeferred`…).
 */
export function workflowHandler<I, O>(task: (input: I) => Promise<O>): middy.MiddyfiedHandler<I, O, Error, Context> {
  return middy<I, O, Error, Context>()
    .use(logInvocation())
    .use({
      before: async ({ event }) => {
        const id = (event as { correlationId?: unknown } | undefined)?.correlationId;
        if (isWellFormedCorrelationId(id)) useCorrelationId(id);
      },
      after: async ({ response }) => {
        logger.info('workflow step done', { outcome: outcomeOf(response) });
      },
      onError: async ({ error }) => {
        logger.error('workflow task failed', { errorName: error?.name });
      },
    })
    .handler(async (input) => task(input));
}

// Outcomes are short codes (`sent`, `failed`, `throttled`…); anything else is left out of the log.
function outcomeOf(response: unknown): string | undefined {
  const outcome = (response as { outcome?: unknown } | undefined)?.outcome;
  return typeof outcome === 'string' && /^[a-z-]{1,40}$/.test(outcome) ? outcome : undefined;
}
