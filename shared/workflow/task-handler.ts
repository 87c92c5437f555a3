import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { logger } from '../http/logger';

/**
 * Wraps a workflow task in the Middy stack (logger context). Errors propagate unchanged: their
 * `name` is the error code the state machine's Retry and Catch match (`EmailDeliveryDeferred`…).
 */
export function workflowHandler<I, O>(task: (input: I) => Promise<O>): middy.MiddyfiedHandler<I, O, Error, Context> {
  return middy<I, O, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      onError: async ({ error }) => {
        logger.error('workflow task failed', { errorName: error?.name });
      },
    })
    .handler(async (input) => task(input));
}
