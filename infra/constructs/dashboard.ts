import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DIMENSION_VALUES, METRIC, METRICS_NAMESPACE, SERVICE_NAME, type MetricName } from '../../shared/observability/metric-names';

const PERIOD = Duration.minutes(5);

/**
 * One of the service's custom metrics (EMF, `shared/observability/business-metrics.ts`), summed
 * per period. `dimension` selects one value of its extra dimension.
 */
export function businessMetric(
  name: MetricName,
  options: { dimension?: { name: keyof typeof DIMENSION_VALUES; value: string }; label?: string; period?: Duration } = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME, ...(options.dimension ? { [options.dimension.name]: options.dimension.value } : {}) },
    statistic: 'Sum',
    period: options.period ?? PERIOD,
    // An alarm on a labelled metric would be a metric-math alarm: label only what is drawn.
    label: options.label,
  });
}

/** One line per value of a metric's extra dimension. */
function byDimension(name: MetricName, dimension: keyof typeof DIMENSION_VALUES): cloudwatch.Metric[] {
  return DIMENSION_VALUES[dimension].map((value) => businessMetric(name, { dimension: { name: dimension, value }, label: value }));
}

export interface DashboardProps {
  readonly stage: apigw.Stage;
  readonly stateMachine: sfn.StateMachine;
  /** Shown first, in one status widget: what is in alarm right now. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** Where SES puts the account under review (the reputation alarms' thresholds). */
  readonly sesReputationThresholds: { readonly bounceRate: number; readonly complaintRate: number };
}

/**
 * The service's CloudWatch dashboard, top to bottom: alarms; what customers go through
 * (activation emails, registrations by path, lockouts, expiries, invitations); the emails
 * (sends, failures, retries, bounces, complaints, SES reputation); the API (requests, 4xx, 5xx,
 * latency p50/p99); the workflow (executions started, succeeded, failed, timed out).
 * `docs/runbook-devops.md` explains each widget.
 */
export class Dashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const graph = (title: string, left: cloudwatch.IMetric[], options: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...options });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      // Named after the stack, so that the runbooks can name it (one per stack and account).
      dashboardName: Stack.of(this).stackName,
      defaultInterval: Duration.days(1),
      periodOverride: cloudwatch.PeriodOverride.AUTO,
    });
    new CfnOutput(this, 'DashboardName', { description: 'CloudWatch dashboard of the service (docs/runbook-devops.md)', value: Stack.of(this).stackName });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 3 }),
    );
    this.dashboard.addWidgets(
      graph('Activation emails', [
        ...byDimension(METRIC.activationEmailsRequested, 'Channel').map((metric) => metric.with({ label: `requested (${metric.label})` })),
        businessMetric(METRIC.activationEmailsSent, { label: 'sent' }),
        businessMetric(METRIC.activationEmailsFailed, { label: 'failed' }),
      ]),
      graph('Registrations by path', byDimension(METRIC.registrations, 'Path')),
      graph('Lockouts, expiries, invitations', [
        ...byDimension(METRIC.lockouts, 'Kind').map((metric) => metric.with({ label: `lockout (${metric.label})` })),
        businessMetric(METRIC.activationsExpired, { label: 'activations expired' }),
        businessMetric(METRIC.invitationsSent, { label: 'invitations sent' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Emails (every kind)', [
        businessMetric(METRIC.emailsSent, { label: 'sent' }),
        businessMetric(METRIC.emailSendFailures, { label: 'refused for good' }),
        businessMetric(METRIC.emailSendsDeferred, { label: 'deferred (retried)' }),
      ]),
      graph('Bounces and complaints', [
        businessMetric(METRIC.emailBounces, { label: 'permanent bounces' }),
        businessMetric(METRIC.emailComplaints, { label: 'complaints' }),
      ]),
      graph(
        'SES reputation (account)',
        [
          new cloudwatch.Metric({ namespace: 'AWS/SES', metricName: 'Reputation.BounceRate', statistic: 'Maximum', period: Duration.hours(1), label: 'bounce rate' }),
          new cloudwatch.Metric({ namespace: 'AWS/SES', metricName: 'Reputation.ComplaintRate', statistic: 'Maximum', period: Duration.hours(1), label: 'complaint rate' }),
        ],
        {
          leftAnnotations: [
            { value: props.sesReputationThresholds.bounceRate, label: 'bounce review', color: cloudwatch.Color.RED },
            { value: props.sesReputationThresholds.complaintRate, label: 'complaint review', color: cloudwatch.Color.ORANGE },
          ],
        },
      ),
    );
    this.dashboard.addWidgets(
      graph('API requests and errors', [
        props.stage.metricCount({ period: PERIOD, statistic: 'Sum', label: 'requests' }),
        props.stage.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' }),
        props.stage.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' }),
      ]),
      graph('API latency', [
        props.stage.metricLatency({ period: PERIOD, statistic: 'p50', label: 'p50' }),
        props.stage.metricLatency({ period: PERIOD, statistic: 'p99', label: 'p99' }),
      ], { leftYAxis: { label: 'ms', showUnits: false } }),
      graph('Workflow executions', [
        props.stateMachine.metricStarted({ period: PERIOD, statistic: 'Sum', label: 'started' }),
        props.stateMachine.metricSucceeded({ period: PERIOD, statistic: 'Sum', label: 'succeeded' }),
        props.stateMachine.metricFailed({ period: PERIOD, statistic: 'Sum', label: 'failed' }),
        props.stateMachine.metricTimedOut({ period: PERIOD, statistic: 'Sum', label: 'timed out' }),
      ]),
    );
  }
}
