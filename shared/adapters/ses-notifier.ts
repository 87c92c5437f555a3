import { SendEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import { EmailDeliveryDeferred } from '../domain/errors';
import type { Notifier } from '../domain/ports';
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

// Errors SES answers when it will likely accept the same mail a little later.
const TRANSIENT = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'ServiceUnavailable', 'InternalFailure', 'RequestTimeout', 'TimeoutError']);

/** Sends the service's emails through SES (v1 `SendEmail`, text and HTML parts). */
export class SesNotifier implements Notifier {
  constructor(
    private readonly client: SESClient,
    private readonly settings: SesNotifierSettings,
  ) {}

  sendActivation(message: Parameters<Notifier['sendActivation']>[0]) {
    return this.send(message.to, activationEmail(this.settings, message.language, message.token, message.expiresAt));
  }

  sendAlreadyRegisteredNotice(message: Parameters<Notifier['sendAlreadyRegisteredNotice']>[0]) {
    return this.send(message.to, alreadyRegisteredEmail(this.settings, message.language));
  }

  sendConfirmation(message: Parameters<Notifier['sendConfirmation']>[0]) {
    return this.send(message.to, confirmationEmail(this.settings, message.language, message.username));
  }

  sendInvitation(message: Parameters<Notifier['sendInvitation']>[0]) {
    return this.send(message.to, invitationEmail(this.settings, message));
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
      const name = (error as { name?: string }).name ?? '';
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
      if (TRANSIENT.has(name) || status >= 500 || status === 429) throw new EmailDeliveryDeferred(error);
      throw error;
    }
  }
}
