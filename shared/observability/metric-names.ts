import type { BusinessEvent } from '../domain/business-events';

/** The CloudWatch namespace of the custom metrics (POWERTOOLS_METRICS_NAMESPACE of every function). */
export const METRICS_NAMESPACE = 'RegistrationService';

/** The `service` dimension of every custom metric (POWERTOOLS_SERVICE_NAME, read by the logger too). */
export const SERVICE_NAME = 'registration';

/**
 * The service's custom metrics, one place for the code that emits them and the dashboard and
 * alarms that read them (`infra/constructs/dashboard.ts`, `monitoring.ts`). Every metric also
 * carries the `service` dimension (POWERTOOLS_SERVICE_NAME).
 */
export const METRIC = {
  activationEmailsRequested: 'ActivationEmailsRequested',
  activationEmailsSent: 'ActivationEmailsSent',
  activationEmailsFailed: 'ActivationEmailsFailed',
  registrations: 'Registrations',
  lockouts: 'Lockouts',
  activationsExpired: 'ActivationsExpired',
  invitationsSent: 'InvitationsSent',
  emailBounces: 'EmailBounces',
  emailComplaints: 'EmailComplaints',
  /** Every email SES accepted (activations, notices, invitations, confirmations, recovery). */
  emailsSent: 'EmailsSent',
  /** Sends SES refused for good, or refused before calling SES (suppressed address). */
  emailSendFailures: 'EmailSendFailures',
  /** Sends SES refused for now (throttling, timeouts): the workflow retries them. */
  emailSendsDeferred: 'EmailSendsDeferred',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** The values of each extra dimension, for the dashboard to draw one line per value. */
export const DIMENSION_VALUES = {
  Channel: ['self-service', 'agent'],
  Path: ['token-holder', 'token-secondary', 'identity'],
  Kind: ['sign-in', 'identity'],
} as const;

/** One data point: a metric, and at most one extra dimension. */
export interface MetricPoint {
  name: MetricName;
  dimension?: { name: keyof typeof DIMENSION_VALUES; value: string };
}

/** The metric a business event counts in. */
export function metricOf(event: BusinessEvent): MetricPoint {
  switch (event.name) {
    case 'activation-email-requested':
      return { name: METRIC.activationEmailsRequested, dimension: { name: 'Channel', value: event.channel } };
    case 'activation-email-sent':
      return { name: METRIC.activationEmailsSent };
    case 'activation-email-failed':
      return { name: METRIC.activationEmailsFailed };
    case 'registration':
      return { name: METRIC.registrations, dimension: { name: 'Path', value: event.path } };
    case 'lockout':
      return { name: METRIC.lockouts, dimension: { name: 'Kind', value: event.kind } };
    case 'activation-expired':
      return { name: METRIC.activationsExpired };
    case 'invitation-sent':
      return { name: METRIC.invitationsSent };
    case 'email-feedback':
      return { name: event.kind === 'bounce' ? METRIC.emailBounces : METRIC.emailComplaints };
  }
}
