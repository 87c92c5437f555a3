import * as z from 'zod/mini';
import type { BusinessEvents } from './business-events';
import { normalizeAccountNumber } from './field-rules';
import type { AuditLog, Clock, SuppressionList } from './ports';

/**
 * SES feedback on the service's emails (bounces, complaints…, published by the configuration set
 * to the feedback topic): what the notification says, reduced to what the service acts on.
 */
export interface EmailFeedback {
  /** SES's `eventType`: 'Bounce', 'Complaint', 'Reject', 'DeliveryDelay'… */
  eventType: string;
  /** The account the email was about (its `account` message tag), when it had one. */
  accountNumber?: string;
  /** 'Permanent', 'Transient' or 'Undetermined', on a bounce. */
  bounceType?: string;
  bounceSubType?: string;
  /** The addresses that bounced or complained (one: the service writes to one address at a time). */
  recipients: string[];
}

const recipientsSchema = z.array(z.object({ emailAddress: z.string() }));

// Only the fields used; SES adds many more. Loose on purpose: the event is SES's, not ours.
const sesEventSchema = z.object({
  eventType: z.string(),
  mail: z.object({
    tags: z.optional(z.record(z.string(), z.array(z.string()))),
  }),
  bounce: z.optional(z.object({ bounceType: z.string(), bounceSubType: z.optional(z.string()), bouncedRecipients: recipientsSchema })),
  complaint: z.optional(z.object({ complainedRecipients: recipientsSchema })),
});

/**
 * Reads one SNS message of the feedback topic (an SES event, JSON). Undefined when it is not
 * JSON, not an SES event, or a bounce or complaint without its recipients: never throws.
 */
export function parseEmailFeedback(message: string): EmailFeedback | undefined {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return undefined;
  }
  const parsed = sesEventSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const event = parsed.data;
  if (event.eventType === 'Bounce' && !event.bounce) return undefined;
  if (event.eventType === 'Complaint' && !event.complaint) return undefined;
  // A tag value we did not set (not an account number) is ignored rather than trusted.
  const tagged = event.mail.tags?.account?.[0];
  const accountNumber = tagged === undefined ? undefined : normalizeAccountNumber(tagged);
  const recipients = (event.bounce?.bouncedRecipients ?? event.complaint?.complainedRecipients ?? []).map((r) => r.emailAddress);
  return {
    eventType: event.eventType,
    ...(accountNumber ? { accountNumber } : {}),
    ...(event.bounce ? { bounceType: event.bounce.bounceType, bounceSubType: event.bounce.bounceSubType } : {}),
    recipients,
  };
}

export type EmailFeedbackOutcome =
  | { outcome: 'recorded'; type: 'email-bounced' | 'email-complained'; accountNumber?: string; suppressed: number }
  | { outcome: 'ignored'; eventType: string; bounceType?: string };

/**
 * Acts on SES feedback: a permanent bounce or a complaint suppresses further email to its
 * recipients (`deps.suppressions`) and is recorded in the history of the account the email was
 * about (`email-bounced` / `email-complained`, never the address). Transient or undetermined
 * bounces, rejections and delays change nothing (SES retried them, or the caller logs them).
 */
export async function recordEmailFeedback(
  deps: { audit: AuditLog; suppressions: SuppressionList; clock: Clock; events?: BusinessEvents },
  feedback: EmailFeedback,
): Promise<EmailFeedbackOutcome> {
  const permanentBounce = feedback.eventType === 'Bounce' && feedback.bounceType === 'Permanent';
  const complaint = feedback.eventType === 'Complaint';
  if (!permanentBounce && !complaint) return { outcome: 'ignored', eventType: feedback.eventType, bounceType: feedback.bounceType };

  const at = deps.clock.now();
  const recipients = [...new Set(feedback.recipients.map((email) => email.trim()).filter((email) => email.length > 0))];
  // Suppress first: a retried invocation then records the event again rather than missing the suppression.
  for (const email of recipients) await deps.suppressions.suppress(email, permanentBounce ? 'bounced' : 'complained', at);
  const type = permanentBounce ? 'email-bounced' : 'email-complained';
  if (feedback.accountNumber) {
    await deps.audit.record(feedback.accountNumber, {
      type,
      at,
      // SES's subtype ('General', 'NoEmail', 'Suppressed'…) tells the agent why; nothing else is kept.
      ...(permanentBounce && feedback.bounceSubType && /^[A-Za-z]{1,40}$/.test(feedback.bounceSubType) ? { reason: feedback.bounceSubType } : {}),
    });
  }
  deps.events?.record({ name: 'email-feedback', kind: permanentBounce ? 'bounce' : 'complaint' });
  return { outcome: 'recorded', type, ...(feedback.accountNumber ? { accountNumber: feedback.accountNumber } : {}), suppressed: recipients.length };
}
