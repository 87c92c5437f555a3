import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC } from '../../shared/observability/metric-names';
import { Dashboard, businessMetric } from './dashboard';
import type { ServiceFunction } from './service-function';

export interface MonitoringProps {
  readonly stage: apigw.Stage;
  readonly functions: readonly ServiceFunction[];
  readonly stateMachine: sfn.StateMachine;
  readonly table: dynamodb.Table;
  /** Subscribed to the alarm topic when given (the address must confirm the subscription). */
  readonly alarmEmail?: string;
}

const PERIOD = Duration.minutes(5);

/**
 * SES reviews an account whose bounce rate passes 5 % or complaint rate 0.1 % (and may pause
 * its sending further on): the alarms fire there. These are the account's rates, the ones SES
 * acts on, published once the account has sent enough email to compute them.
 */
export const SES_REPUTATION_THRESHOLDS = { bounceRate: 0.05, complaintRate: 0.001 } as const;

/** Email sends SES keeps refusing for now (throttling, timeouts) per period, for this many periods in a row. */
export const DEFERRED_SENDS_ALARM = { threshold: 20, evaluationPeriods: 3 } as const;

/**
 * Alarms to one SNS topic, and the service's dashboard. Thresholds are "any": no client input
 * may produce a 5xx (spec §4), a failed function, execution or DynamoDB call is a bug or an
 * outage worth a look, and an email that could not be sent leaves a customer waiting for it.
 * SES reputation alarms fire at the rates where SES reviews the account; deferred sends only
 * when SES keeps refusing for a quarter of an hour (the workflow retries them meanwhile).
 * What each alarm means and what to do: docs/runbook-devops.md.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Registration service alarms', enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    this.alarmOn('Api5xx', 'The API answered with a 5xx status.', props.stage.metricServerError({ period: PERIOD, statistic: 'Sum' }));

    for (const fn of props.functions) {
      this.alarmOn(
        `${fn.node.id}Errors`,
        `Function ${fn.node.id} failed (an exception or a timeout).`,
        fn.function.metricErrors({ period: PERIOD, statistic: 'Sum' }),
      );
    }

    // Follow-ups of a committed change (audit, resuming or starting the workflow) that still
    // failed after their retries: the request succeeded, but something after it needs a look.
    const followUpFailures = new cloudwatch.Metric({ namespace: 'RegistrationService', metricName: 'FollowUpFailures', period: PERIOD, statistic: 'Sum' });
    for (const fn of props.functions) {
      new logs.MetricFilter(this, `${fn.node.id}FollowUpFailures`, {
        logGroup: fn.logGroup,
        filterPattern: logs.FilterPattern.stringValue('$.message', '=', 'follow-up failed'),
        metricNamespace: followUpFailures.namespace,
        metricName: followUpFailures.metricName,
        metricValue: '1',
      });
    }
    this.alarmOn('FollowUpFailed', 'A step after a committed registration failed after its retries (see "follow-up failed" logs).', followUpFailures);

    // An activation email that could not be delivered ends its execution in DeliveryFailed.
    this.alarmOn('WorkflowFailed', 'A registration workflow execution failed (an activation email not delivered, or a step failing).', props.stateMachine.metricFailed({ period: PERIOD, statistic: 'Sum' }));
    this.alarmOn('WorkflowTimedOut', 'A registration workflow execution timed out.', props.stateMachine.metricTimedOut({ period: PERIOD, statistic: 'Sum' }));

    // Customers waiting for an email that will not come (custom metrics, shared/observability).
    this.alarmOn(
      'ActivationEmailsFailed',
      'An activation or invitation email could not be delivered (refused for good, or still failing after every retry): the customer has no link; Customer Service sees "failed".',
      businessMetric(METRIC.activationEmailsFailed),
    );
    this.alarmOn(
      'EmailSendFailures',
      'SES refused an email for good, or the address is suppressed after a bounce or complaint (any kind of email: activation, confirmation, recovery).',
      businessMetric(METRIC.emailSendFailures),
    );
    this.alarmOn(
      'EmailSendsDeferred',
      `SES has been refusing sends for now (throttling, timeouts) for ${DEFERRED_SENDS_ALARM.evaluationPeriods * 5} minutes: emails are late and may fail once the workflow's retries run out.`,
      businessMetric(METRIC.emailSendsDeferred),
      {
        threshold: DEFERRED_SENDS_ALARM.threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: DEFERRED_SENDS_ALARM.evaluationPeriods,
      },
    );

    // The operations the adapters use: an alarm's math expression takes at most 10 metrics.
    const operations = [
      dynamodb.Operation.GET_ITEM,
      dynamodb.Operation.QUERY,
      dynamodb.Operation.PUT_ITEM,
      dynamodb.Operation.UPDATE_ITEM,
      dynamodb.Operation.DELETE_ITEM,
      dynamodb.Operation.BATCH_GET_ITEM,
      dynamodb.Operation.BATCH_WRITE_ITEM,
      dynamodb.Operation.TRANSACT_GET_ITEMS,
      dynamodb.Operation.TRANSACT_WRITE_ITEMS,
    ];
    this.alarmOn(
      'TableThrottled',
      'DynamoDB throttled requests on the registration table.',
      props.table.metricThrottledRequestsForOperations({ operations, period: PERIOD }),
    );
    this.alarmOn(
      'TableSystemErrors',
      'DynamoDB answered requests on the registration table with system errors (5xx).',
      props.table.metricSystemErrorsForOperations({ operations, period: PERIOD }),
    );

    const reputation = (metricName: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/SES', metricName, period: Duration.hours(1), statistic: 'Maximum' });
    this.alarmOn(
      'SesBounceRate',
      'SES bounce rate of the account is over 5 %: SES puts the account under review (see the email feedback topic).',
      reputation('Reputation.BounceRate'),
      { threshold: SES_REPUTATION_THRESHOLDS.bounceRate, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD },
    );
    this.alarmOn(
      'SesComplaintRate',
      'SES complaint rate of the account is over 0.1 %: SES puts the account under review (see the email feedback topic).',
      reputation('Reputation.ComplaintRate'),
      { threshold: SES_REPUTATION_THRESHOLDS.complaintRate, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD },
    );

    this.dashboard = new Dashboard(this, 'Dashboard', {
      stage: props.stage,
      stateMachine: props.stateMachine,
      alarms: this.alarms,
      sesReputationThresholds: SES_REPUTATION_THRESHOLDS,
    });
  }

  /** An alarm to the topic; by default on any occurrence (≥ 1) within one period. */
  private alarmOn(
    id: string,
    description: string,
    metric: cloudwatch.IMetric,
    options: { threshold: number; comparisonOperator: cloudwatch.ComparisonOperator; evaluationPeriods?: number } = {
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    },
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: options.comparisonOperator,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
