import { sendActivationForAgent } from '../../shared/domain/agent';
import type { BusinessEvent, BusinessEvents } from '../../shared/domain/business-events';
import { recordEmailFeedback } from '../../shared/domain/email-feedback';
import { EmailRejected } from '../../shared/domain/errors';
import { expireActivation, issueActivation, recordUndelivered, requestActivation } from '../../shared/domain/issue-activation';
import { registerWithActivation } from '../../shared/domain/register';
import { registerWithIdentity } from '../../shared/domain/register-with-identity';
import { signIn } from '../../shared/domain/sessions';
import { holderAccount } from '../fixtures/accounts';
import { fakeDeps } from '../fixtures/in-memory';

/** The events a use case recorded, in order. */
class RecordedEvents implements BusinessEvents {
  readonly events: BusinessEvent[] = [];
  record(event: BusinessEvent): void {
    this.events.push(event);
  }
}

const setup = () => ({ ...fakeDeps([holderAccount]), events: new RecordedEvents() });
const id = (name: string) => name.padEnd(22, '0');
const issue = (deps: ReturnType<typeof setup>, activationId: string) =>
  issueActivation(deps, { activationId, accountNumber: holderAccount.accountNumber, channel: 'self-service' });
const lastToken = (deps: ReturnType<typeof setup>) => deps.notifier.sent.filter((m) => m.kind === 'activation').at(-1)!.token!;

describe('business events, where the domain knows the outcome', () => {
  it('counts activation emails requested by channel, whatever the account', async () => {
    const deps = setup();
    await requestActivation(deps, { accountNumber: '999999999', postalCode: 'H2X 1Y4' });
    // The agent's request does not wait for a workflow here: none runs.
    deps.activations.awaitDelivery = async () => undefined;
    await sendActivationForAgent(deps, { accountNumber: holderAccount.accountNumber });
    expect(deps.events.events).toEqual([
      { name: 'activation-email-requested', channel: 'self-service' },
      { name: 'activation-email-requested', channel: 'agent' },
    ]);
  });

  it('counts an activation email sent once, not again when the step is retried', async () => {
    const deps = setup();
    await issue(deps, id('a1'));
    await issue(deps, id('a1'));
    expect(deps.events.events).toEqual([{ name: 'activation-email-sent' }]);
  });

  it('counts an activation email refused for good as failed, once', async () => {
    const deps = setup();
    deps.notifier.failures.push(new EmailRejected(new Error('MessageRejected')));
    expect((await issue(deps, id('a2'))).outcome).toBe('failed');
    await recordUndelivered(deps, { activationId: id('a2') });
    expect(deps.events.events).toEqual([{ name: 'activation-email-failed' }]);
  });

  it('counts a registration with an activation email as token-holder, and one without as identity', async () => {
    const deps = setup();
    await issue(deps, id('a3'));
    await registerWithActivation(deps, { activationToken: lastToken(deps), username: 'marie.tremblay', password: 'Boulang3rie' });
    const other = setup();
    await registerWithIdentity(other, { accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'marie.tremblay@example.com', username: 'marie.tremblay', password: 'Boulang3rie' });
    expect(deps.events.events.at(-1)).toEqual({ name: 'registration', path: 'token-holder' });
    expect(other.events.events).toEqual([{ name: 'registration', path: 'identity' }]);
  });

  it('counts a lockout once, on the failure that sets it (identity and sign-in)', async () => {
    const deps = setup();
    const wrong = { accountNumber: '123456789', postalCode: 'H2X 1Y4', email: 'someone@example.com', username: 'marie.tremblay', password: 'Boulang3rie' };
    for (let i = 0; i < 6; i++) await registerWithIdentity(deps, wrong).catch(() => undefined);
    expect(deps.events.events).toEqual([{ name: 'lockout', kind: 'identity' }]);

    const signInDeps = setup();
    for (let i = 0; i < 6; i++) await signIn(signInDeps, { username: 'nobody.here', password: 'Wrong1234' }).catch(() => undefined);
    expect(signInDeps.events.events).toEqual([{ name: 'lockout', kind: 'sign-in' }]);
  });

  it('counts an expiry when five days passed unused', async () => {
    const deps = setup();
    await issue(deps, id('a4'));
    deps.clock.advance(432_000);
    await expireActivation(deps, { activationId: id('a4') });
    await expireActivation(deps, { activationId: id('a4') });
    expect(deps.events.events).toEqual([{ name: 'activation-email-sent' }, { name: 'activation-expired' }]);
  });

  it('counts permanent bounces and complaints, not transient bounces', async () => {
    const deps = setup();
    const feedback = (eventType: string, bounceType?: string) => ({ eventType, bounceType, recipients: ['x@example.com'] });
    await recordEmailFeedback(deps, feedback('Bounce', 'Permanent'));
    await recordEmailFeedback(deps, feedback('Bounce', 'Transient'));
    await recordEmailFeedback(deps, feedback('Complaint'));
    expect(deps.events.events).toEqual([
      { name: 'email-feedback', kind: 'bounce' },
      { name: 'email-feedback', kind: 'complaint' },
    ]);
  });
});
