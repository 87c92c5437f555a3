import middy from '@middy/core';
import type { Context, SNSEvent } from 'aws-lambda';
import { parseEmailFeedback, recordEmailFeedback } from '../domain/email-feedback';
import { logger, logInvocation } from '../observability/logger';
import { correlationIdOfSesEvent, useCorrelationId } from '../observability/correlation';

type Deps = Parameters<typeof recordEmailFeedback>[0];

/**
 * The Lambda handler of the email feedback topic: each SNS record's message is one SES event,
 * handed to `recordEmailFeedback`. A message that is not an SES event is logged and skipped (a
 * throw would only make Lambda retry it, in vain); a failure to record propagates, so that Lambda
 * retries the invocation. Logs name event types and outcomes, never an address; each record's lines
 * carry the correlation id of the request that sent the email (its `correlation_id` tag).
 */
export function emailFeedbackHandler(deps: Deps): middy.MiddyfiedHandler<SNSEvent, void, Error, Context> {
  return middy<SNSEvent, void, Error, Context>()
    .use(logInvocation())
    .handler(async (event) => {
      for (const record of event.Records ?? []) {
        const messageId = record.Sns?.MessageId;
        // The id of the request behind the email, so that its bounce joins that request's lines.
        const correlationId = typeof record.Sns?.Message === 'string' ? correlationIdOfSesEvent(record.Sns.Message) : undefined;
        if (correlationId) useCorrelationId(correlationId);
        else logger.removeCorrelationId();
        const feedback = typeof record.Sns?.Message === 'string' ? parseEmailFeedback(record.Sns.Message) : undefined;
        if (!feedback) {
          logger.warn('email feedback skipped: not an SES event', { messageId });
          continue;
        }
        const outcome = await recordEmailFeedback(deps, feedback);
        if (outcome.outcome === 'ignored') {
          logger.info('email feedback ignored', { messageId, eventType: outcome.eventType, bounceType: outcome.bounceType });
        } else {
          logger.warn('email feedback recorded', { messageId, type: outcome.type, tagged: outcome.accountNumber !== undefined, suppressed: outcome.suppressed });
        }
      }
    });
}
