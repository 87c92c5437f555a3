import type { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { SesNotifier, SesRecoveryNotifier } from '../../shared/adapters/ses-notifier';
import { registrationStatus } from '../../shared/domain/agent';
import { EmailRejected } from '../../shared/domain/errors';
import { parseEmailFeedback, recordEmailFeedback } from '../../shared/domain/email-feedback';
import { holderAccount } from '../fixtures/accounts';
import { InMemorySuppressionList, fakeDeps } from '../fixtures/in-memory';
import { bounceEvent, complaintEvent, deliveryDelayEvent } from '../fixtures/ses-events';

const HOLDER = holderAccount.holder.email;
const feedbackOf = (event: object) => parseEmailFeedback(JSON.stringify(event))!;

describe('parseEmailFeedback', () => {
  it('reads the event type, the account tag, the bounce type and the recipients of an SES event', () => {
    expect(feedbackOf(bounceEvent({ to: HOLDER, account: '123456789' }))).toEqual({
      eventType: 'Bounce',
      accountNumber: '123456789',
      bounceType: 'Permanent',
      bounceSubType: 'General',
      recipients: [HOLDER],
    });
    expect(feedbackOf(complaintEvent({ to: HOLDER }))).toEqual({ eventType: 'Complaint', recipients: [HOLDER] });
  });

  it.each([
    ['text that is not JSON', 'not json {'],
    ['JSON that is not an SES event', JSON.stringify({ hello: 'world' })],
    ['a bounce without its bounce object', JSON.stringify({ ...bounceEvent({ to: HOLDER }), bounce: undefined })],
    ['a complaint whose recipients are not addresses', JSON.stringify({ ...complaintEvent({ to: HOLDER }), complaint: { complainedRecipients: [{ emailAddress: 42 }] } })],
    ['null', 'null'],
  ])('refuses %s without throwing', (_what, message) => {
    expect(parseEmailFeedback(message)).toBeUndefined();
  });

  it('ignores an account tag that is not an account number', () => {
    expect(feedbackOf(bounceEvent({ to: HOLDER, account: 'ACCOUNT-x' })).accountNumber).toBeUndefined();
  });
});

describe('recordEmailFeedback', () => {
  it('suppresses the address of a permanent bounce and records email-bounced on the account, without the address', async () => {
    const deps = fakeDeps([holderAccount]);
    const outcome = await recordEmailFeedback(deps, feedbackOf(bounceEvent({ to: 'Marie.Tremblay@Example.com', account: '123456789', bounceSubType: 'NoEmail' })));
    expect(outcome).toEqual({ outcome: 'recorded', type: 'email-bounced', accountNumber: '123456789', suppressed: 1 });
    expect(await deps.suppressions.isSuppressed(HOLDER)).toBe(true);
    expect(deps.suppressions.entries.get(HOLDER)).toEqual({ reason: 'bounced', at: deps.clock.now() });
    expect(deps.audit.events).toEqual([{ accountNumber: '123456789', type: 'email-bounced', at: deps.clock.now(), reason: 'NoEmail' }]);
    expect(JSON.stringify(deps.audit.events).toLowerCase()).not.toContain('tremblay@');
  });

  it('suppresses the address of a complaint and records email-complained', async () => {
    const deps = fakeDeps([holderAccount]);
    const outcome = await recordEmailFeedback(deps, feedbackOf(complaintEvent({ to: HOLDER, account: '123456789' })));
    expect(outcome).toMatchObject({ outcome: 'recorded', type: 'email-complained' });
    expect(deps.suppressions.entries.get(HOLDER)?.reason).toBe('complained');
    expect(deps.audit.events).toEqual([{ accountNumber: '123456789', type: 'email-complained', at: deps.clock.now() }]);
  });

  it('suppresses the address of an email about no account (a recovery email) without recording history', async () => {
    const deps = fakeDeps([holderAccount]);
    await recordEmailFeedback(deps, feedbackOf(bounceEvent({ to: HOLDER })));
    expect(await deps.suppressions.isSuppressed(HOLDER)).toBe(true);
    expect(deps.audit.events).toEqual([]);
  });

  it.each([
    ['a transient bounce', bounceEvent({ to: HOLDER, account: '123456789', bounceType: 'Transient', bounceSubType: 'MailboxFull' })],
    ['an undetermined bounce', bounceEvent({ to: HOLDER, account: '123456789', bounceType: 'Undetermined', bounceSubType: 'Undetermined' })],
    ['a delivery delay', deliveryDelayEvent({ to: HOLDER, account: '123456789' })],
  ])('ignores %s', async (_what, event) => {
    const deps = fakeDeps([holderAccount]);
    expect(await recordEmailFeedback(deps, feedbackOf(event))).toMatchObject({ outcome: 'ignored', eventType: event.eventType });
    expect(deps.suppressions.entries.size).toBe(0);
    expect(deps.audit.events).toEqual([]);
  });

  it('shows Customer Service that the holder\'s address bounced, and the event in the history', async () => {
    const deps = fakeDeps([holderAccount]);
    expect((await registrationStatus(deps, { accountNumber: '123456789' })).holderEmailSuppressed).toBe(false);
    await recordEmailFeedback(deps, feedbackOf(bounceEvent({ to: HOLDER, account: '123456789' })));
    const status = await registrationStatus(deps, { accountNumber: '123456789' });
    expect(status.holderEmailSuppressed).toBe(true);
    expect(status.history[0]).toMatchObject({ type: 'email-bounced', reason: 'General' });
  });
});

describe('SesNotifier and feedback', () => {
  const settings = { senderEmail: 'no-reply@example.com', portalUrl: 'https://portal.example.com', customerServicePhone: '1 800 555-0100' };
  const recordingClient = () => {
    const commands: SendEmailCommand[] = [];
    return { commands, client: { send: async (command: SendEmailCommand) => void commands.push(command) } as unknown as SESClient };
  };
  const about = { language: 'fr' as const, recipientName: 'Marie Tremblay', companyName: 'Boulangerie Tremblay inc.', accountNumber: '123456789' };

  it('tags each email with the account it is about, and emails about no account with nothing', async () => {
    const { client, commands } = recordingClient();
    await new SesNotifier(client, settings).sendAlreadyRegisteredNotice({ to: HOLDER, ...about });
    await new SesRecoveryNotifier(client, settings).sendPasswordChanged({ to: HOLDER, language: 'fr', username: 'marie' });
    expect(commands.map((command) => command.input.Tags)).toEqual([[{ Name: 'account', Value: '123456789' }], undefined]);
  });

  it('refuses a suppressed address (any case) as final, without calling SES', async () => {
    const { client, commands } = recordingClient();
    const suppressions = new InMemorySuppressionList();
    await suppressions.suppress(HOLDER, 'bounced', new Date());
    const notifier = new SesNotifier(client, settings, suppressions);
    await expect(notifier.sendConfirmation({ to: 'Marie.Tremblay@example.com', ...about, username: 'marie' })).rejects.toBeInstanceOf(EmailRejected);
    await expect(new SesRecoveryNotifier(client, settings, suppressions).sendUsernameReminder({ to: HOLDER, language: 'en', usernames: ['marie'] })).rejects.toBeInstanceOf(EmailRejected);
    expect(commands).toEqual([]);
    await notifier.sendConfirmation({ to: 'luc.gagnon@example.com', ...about, username: 'luc' });
    expect(commands).toHaveLength(1);
  });
});
