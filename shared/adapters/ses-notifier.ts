import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import { EmailDeliveryDeferred, EmailRejected } from '../domain/errors';
import type { Notifier, RecoveryNotifier, SuppressionList } from '../domain/ports';
import { logger } from '../observability/logger';
import { countMetric } from '../observability/business-metrics';
import { currentCorrelationId } from '../observability/correlation';
import { METRIC } from '../observability/metric-names';
import { passwordChangedEmail, passwordResetEmail, usernameReminderEmail } from '../email/recovery-templates';
import {
  activationEmail,
  alreadyRegisteredEmail,
  confirmationEmail,
  invitationEmail,
  type EmailContent,
  type EmailSettings,
} from '../email/templates';

export interface SesNotifierSettings extends EmailSettings {
  senderEmail: string;
  /** The configuration set with no open/click tracking; absent on the local emulator. */
  configurationSet?: string;
}

// SES refused this time but will likely accept the same mail a little later.
const REFUSED_FOR_NOW = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'ECONNREFUSED']);
// The send failed without telling whether SES took the message: it may reach the customer.
const OUTCOME_UNKNOWN = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

// SES message tag values: letters, digits, `_` and `-` only (account numbers are digits).
const TAG_VALUE = /^[A-Za-z0-9_-]{1,256}$/;

/** Which email a send is, in logs and metrics (never who it goes to). */
type EmailKind = 'activation' | 'already-registered' | 'confirmation' | 'invitation' | 'password-reset' | 'password-changed' | 'username-reminder';

/**
 * Sends the service's emails through SES (v1 `SendEmail`, text and HTML parts), each tagged with
 * the account it is about (`account`), so that its bounces and complaints are recorded on that
 * account, and with the correlation id of the request behind it (`correlation_id`). With a
 * `suppressions` list, an address that bounced for good or complained gets no more email: the
 * send throws `EmailRejected` without calling SES. Each send logs one line with its kind, SES's
 * message id and the correlation id — never the address — and counts in `EmailsSent`,
 * `EmailSendFailures` or `EmailSendsDeferred`. Its subclasses render the emails: the account's
 * (`SesNotifier`) and account recovery's (`SesRecoveryNotifier`), apart so that each function's
 * bundle carries only the templates it sends.
 */
abstract class SesEmails {
  constructor(
    private readonly client: SESClient,
    protected readonly settings: SesNotifierSettings,
    private readonly suppressions?: SuppressionList,
  ) {}

  protected async send(emailKind: EmailKind, to: string, content: EmailContent, accountNumber?: string): Promise<void> {
    // Final, like SES's own refusals: the workflow records the email as failed.
    if (await this.suppressions?.isSuppressed(to)) {
      logger.warn('email not sent: recipient suppressed', { emailKind });
      countMetric({ name: METRIC.emailSendFailures });
      throw new EmailRejected(new Error('recipient suppressed (bounce or complaint)'));
    }
    const tags = [
      ...(accountNumber !== undefined && TAG_VALUE.test(accountNumber) ? [{ Name: 'account', Value: accountNumber }] : []),
      ...tagIfValid('correlation_id', currentCorrelationId()),
    ];
    let sent: { MessageId?: string } | undefined;
    try {
      sent = await this.client.send(
        new SendEmailCommand({
          Source: this.settings.senderEmail,
          Destination: { ToAddresses: [to] },
          Message: {
            Subject: { Data: content.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: content.text, Charset: 'UTF-8' }, Html: { Data: content.html, Charset: 'UTF-8' } },
          },
          ConfigurationSetName: this.settings.configurationSet,
          Tags: tags.length > 0 ? tags : undefined,
        }),
      );
    } catch (error) {
      const { name = '', code = '', $metadata } = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
      const status = $metadata?.httpStatusCode ?? 0;
      const deferred = (mayHaveBeenAccepted: boolean) => {
        logger.info('email send deferred', { emailKind, errorName: name || code, mayHaveBeenAccepted });
        countMetric({ name: METRIC.emailSendsDeferred });
        return new EmailDeliveryDeferred(error, mayHaveBeenAccepted);
      };
      if (OUTCOME_UNKNOWN.has(name) || OUTCOME_UNKNOWN.has(code) || status >= 500) throw deferred(true);
      if (REFUSED_FOR_NOW.has(name) || REFUSED_FOR_NOW.has(code) || status === 429) throw deferred(false);
      // Anything else SES answered (MessageRejected, an unverified sender, sending paused…) is final.
      logger.warn('email refused by SES', { emailKind, errorName: name || code });
      countMetric({ name: METRIC.emailSendFailures });
      throw new EmailRejected(error);
    }
    // Outside the try: nothing after SES accepted the email may turn it into a failure.
    logger.info('email sent', { emailKind, messageId: sent?.MessageId });
    countMetric({ name: METRIC.emailsSent });
  }
}

/** The emails about an account: activation, "already registered" notice, confirmation, invitation. */
export class SesNotifier extends SesEmails implements Notifier {
  sendActivation(message: Parameters<Notifier['sendActivation']>[0]) {
    return this.send('activation', message.to, activationEmail(this.settings, message), message.accountNumber);
  }

  sendAlreadyRegisteredNotice(message: Parameters<Notifier['sendAlreadyRegisteredNotice']>[0]) {
    return this.send('already-registered', message.to, alreadyRegisteredEmail(this.settings, message), message.accountNumber);
  }

  sendConfirmation(message: Parameters<Notifier['sendConfirmation']>[0]) {
    return this.send('confirmation', message.to, confirmationEmail(this.settings, message), message.accountNumber);
  }

  sendInvitation(message: Parameters<Notifier['sendInvitation']>[0]) {
    return this.send('invitation', message.to, invitationEmail(this.settings, message), message.accountNumber);
  }
}

/** Account recovery's emails: password reset link, "password changed" notice, username reminder. */
export class SesRecoveryNotifier extends SesEmails implements RecoveryNotifier {
  sendPasswordReset(message: Parameters<RecoveryNotifier['sendPasswordReset']>[0]) {
    return this.send('password-reset', message.to, passwordResetEmail(this.settings, message));
  }

  sendPasswordChanged(message: Parameters<RecoveryNotifier['sendPasswordChanged']>[0]) {
    return this.send('password-changed', message.to, passwordChangedEmail(this.settings, message));
  }

  sendUsernameReminder(message: Parameters<RecoveryNotifier['sendUsernameReminder']>[0]) {
    return this.send('username-reminder', message.to, usernameReminderEmail(this.settings, message));
  }
}

/** An SES message tag, when the value is one SES accepts (a correlation id chosen by a caller may not be). */
function tagIfValid(name: string, value: string | undefined): { Name: string; Value: string }[] {
  return value !== undefined && TAG_VALUE.test(value) ? [{ Name: name, Value: value }] : [];
}
