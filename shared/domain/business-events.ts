/**
 * What the service counts for the people who run it (dashboard and alarms): outcomes the domain
 * knows, never who they were about. An adapter turns them into metrics
 * (`shared/observability/business-metrics.ts`, one CloudWatch EMF line per event).
 */
export type BusinessEvent =
  /** A well-formed request for an activation email (self-service: whether or not it proved the account). */
  | { name: 'activation-email-requested'; channel: 'self-service' | 'agent' }
  /** SES accepted an activation email (holder). */
  | { name: 'activation-email-sent' }
  /** An activation email could not be delivered (refused for good, or still failing after every retry). */
  | { name: 'activation-email-failed' }
  /** A new login: with an activation email, with an invitation, or by proving the holder's identity (flow B). */
  | { name: 'registration'; path: RegistrationPath }
  /** A failure that locked sign-in for a username, or flow B for an account. */
  | { name: 'lockout'; kind: 'sign-in' | 'identity' }
  /** Five days passed and nobody used the activation. */
  | { name: 'activation-expired' }
  /** SES accepted an invitation of a secondary user. */
  | { name: 'invitation-sent' }
  /** SES reported a permanent bounce or a complaint (the address is suppressed). */
  | { name: 'email-feedback'; kind: 'bounce' | 'complaint' };

/** How a login was created. */
export type RegistrationPath = 'token-holder' | 'token-secondary' | 'identity';

/** Where the domain reports what happened. Recording never fails a use case. */
export interface BusinessEvents {
  record(event: BusinessEvent): void;
}
