import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import { EmailDeliveryDeferred, EmailRejected } from '../domain/errors';
import type { Notifier, RecoveryNotifier, SuppressionList } from '../domain/ports';
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

/**
 * Sends the service's emails through SES (v1 `SendEmail`, text and HTML parts), each tagged with
 * the account it is about (`account`), so that its bounces and complaints are recorded on that
 * account. With a `suppressions` list, an address that bounced for good or complained gets no
 * more email: the send throws `EmailRejected` without calling SES.
 */
export class SesNotifier implements Notifier, RecoveryNotifier {
  constructor(
    private readonly client: SESClient,
    private readonly settings: SesNotifierSettings,
    private readonly suppressions?: SuppressionList,
  ) {}

  sendActivation(message: Parameters<Notifier['sendActivation']>[0]) {
    return this.send(message.to, activationEmail(this.settings, message), message.accountNumber);
  }

  sendAlreadyRegisteredNotice(message: Parameters<Notifier['sendAlreadyRegisteredNotice']>[0]) {
    return this.send(message.to, alreadyRegisteredEmail(this.settings, message), message.accountNumber);
  }

  sendConfirmation(message: Parameters<Notifier['sendConfirmation']>[0]) {
    return this.send(message.to, confirmationEmail(this.settings, message), message.accountNumber);
  }

  sendInvitation(message: Parameters<Notifier['sendInvitation']>[0]) {
    return this.send(message.to, invitationEmail(this.settings, message), message.accountNumber);
  }

  sendPasswordReset(message: Parameters<RecoveryNotifier['sendPasswordReset']>[0]) {
    return this.send(message.to, passwordResetEmail(this.settings, message));
  }

  sendPasswordChanged(message: Parameters<RecoveryNotifier['sendPasswordChanged']>[0]) {
    return this.send(message.to, passwordChangedEmail(this.settings, message));
  }

  sendUsernameReminder(message: Parameters<RecoveryNotifier['sendUsernameReminder']>[0]) {
    return this.send(message.to, usernameReminderEmail(this.settings, message));
  }

  private async send(to: string, content: EmailContent, accountNumber?: string): Promise<void> {
    // Final, like SES's own refusals: the workflow records the email as failed.
    if (await this.suppressions?.isSuppressed(to)) throw new EmailRejected(new Error('recipient suppressed (bounce or complaint)'));
    try {
      await this.client.send(
        new SendEmailCommand({
          Source: this.settings.senderEmail,
          Destination: { ToAddresses: [to] },
          Message: {
            Subject: { Data: content.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: content.text, Charset: 'UTF-8' }, Html: { Data: content.html, Charset: 'UTF-8' } },
          },
          ConfigurationSetName: this.settings.configurationSet,
          Tags: accountNumber !== undefined && TAG_VALUE.test(accountNumber) ? [{ Name: 'account', Value: accountNumber }] : undefined,
        }),
      );
    } catch (error) {
      const { name = '', code = '', $metadata } = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
      const status = $metadata?.httpStatusCode ?? 0;
      if (OUTCOME_UNKNOWN.has(name) || OUTCOME_UNKNOWN.has(code) || status >= 500) throw new EmailDeliveryDeferred(error, true);
      if (REFUSED_FOR_NOW.has(name) || REFUSED_FOR_NOW.has(code) || status === 429) throw new EmailDeliveryDeferred(error);
      // Anything else SES answered (MessageRejected, an unverified sender, sending paused…) is final.
      throw new EmailRejected(error);
    }
  }
}
