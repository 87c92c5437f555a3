import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import { EmailDeliveryDeferred, EmailRejected } from '../domain/errors';
import type { Notifier, RecoveryNotifier } from '../domain/ports';
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

/** Sends the service's emails through SES (v1 `SendEmail`, text and HTML parts). */
export class SesNotifier implements Notifier, RecoveryNotifier {
  constructor(
    private readonly client: SESClient,
    private readonly settings: SesNotifierSettings,
  ) {}

  sendActivation(message: Parameters<Notifier['sendActivation']>[0]) {
    return this.send(message.to, activationEmail(this.settings, message));
  }

  sendAlreadyRegisteredNotice(message: Parameters<Notifier['sendAlreadyRegisteredNotice']>[0]) {
    return this.send(message.to, alreadyRegisteredEmail(this.settings, message));
  }

  sendConfirmation(message: Parameters<Notifier['sendConfirmation']>[0]) {
    return this.send(message.to, confirmationEmail(this.settings, message));
  }

  sendInvitation(message: Parameters<Notifier['sendInvitation']>[0]) {
    return this.send(message.to, invitationEmail(this.settings, message));
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

  private async send(to: string, content: EmailContent): Promise<void> {
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
