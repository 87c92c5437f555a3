import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { BusinessEvent } from '../../shared/domain/business-events';
import { DIMENSION_VALUES, METRIC, METRICS_NAMESPACE, SERVICE_NAME, metricOf } from '../../shared/observability/metric-names';
import { DEFERRED_SENDS_ALARM, SES_REPUTATION_THRESHOLDS } from '../../infra/constructs/monitoring';
import { PROJECT_ROOT } from '../../infra/constructs/service-function';
import { RegistrationStack } from '../../infra/stacks/registration-stack';

const cdkJsonContext = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;

type Resource = { Type: string; Properties: Record<string, any> };
type Widget = { type: string; properties: { title?: string; metrics?: unknown[][]; alarms?: unknown[]; annotations?: { horizontal?: { value: number }[] } } };

/** Every business event the domain can record, one of each metric and dimension value. */
const EVERY_EVENT: BusinessEvent[] = [
  { name: 'activation-email-requested', channel: 'self-service' },
  { name: 'activation-email-requested', channel: 'agent' },
  { name: 'activation-email-sent' },
  { name: 'activation-email-failed' },
  { name: 'registration', path: 'token-holder' },
  { name: 'registration', path: 'token-secondary' },
  { name: 'registration', path: 'identity' },
  { name: 'lockout', kind: 'sign-in' },
  { name: 'lockout', kind: 'identity' },
  { name: 'activation-expired' },
  { name: 'invitation-sent' },
  { name: 'email-feedback', kind: 'bounce' },
  { name: 'email-feedback', kind: 'complaint' },
];

describe('observability in the CDK app', () => {
  let resources: Record<string, Resource>;
  let stack: RegistrationStack;
  let widgets: Widget[];

  beforeAll(() => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...cdkJsonContext } });
    stack = new RegistrationStack(app, 'ObservabilityTest');
    resources = Template.fromStack(stack).toJSON().Resources;
    const [dashboard] = Object.values(resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Dashboard');
    // The body is a Fn::Join of text and references (ARNs, names): references become placeholders.
    const parts = dashboard!.Properties.DashboardBody['Fn::Join'][1] as unknown[];
    widgets = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'REF')).join('')).widgets;
  });

  const ofType = (type: string) => Object.values(resources).filter((resource) => resource.Type === type);
  const widget = (title: string) => {
    const found = widgets.find((w) => w.properties.title === title);
    if (!found) throw new Error(`no widget "${title}" among ${widgets.map((w) => w.properties.title).join(', ')}`);
    return found;
  };
  /** A graph's metrics as `namespace name [dimension value…] stat` strings. */
  const linesOf = (title: string) =>
    (widget(title).properties.metrics ?? []).map((metric) => {
      const options = (typeof metric[metric.length - 1] === 'object' ? metric[metric.length - 1] : {}) as { stat?: string };
      const names = metric.filter((part) => typeof part === 'string' && part !== '.') as string[];
      return `${names.join(' ')} ${options.stat ?? ''}`.trim();
    });

  it('gives every function the metrics namespace and the service name the dashboard reads', () => {
    const functions = ofType('AWS::Lambda::Function').filter((fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME);
    expect(functions.length).toBeGreaterThan(20);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME: SERVICE_NAME });
    }
  });

  it('draws every business metric the domain records, with its dimension values', () => {
    const drawn = widgets.flatMap((w) => (w.properties.metrics ?? []).map((metric) => metric.filter((part) => typeof part === 'string').join(' ')));
    for (const event of EVERY_EVENT) {
      const point = metricOf(event);
      const expected = [METRICS_NAMESPACE, point.name, ...(point.dimension ? [point.dimension.name, point.dimension.value] : []), 'service', SERVICE_NAME];
      expect(drawn.some((line) => expected.every((part) => line.split(' ').includes(part)))).toBe(true);
    }
    expect(linesOf('Registrations by path')).toEqual(DIMENSION_VALUES.Path.map((value) => `${METRICS_NAMESPACE} Registrations Path ${value} service ${SERVICE_NAME} Sum`));
    expect(linesOf('Emails (every kind)')).toEqual(
      [METRIC.emailsSent, METRIC.emailSendFailures, METRIC.emailSendsDeferred].map((name) => `${METRICS_NAMESPACE} ${name} service ${SERVICE_NAME} Sum`),
    );
  });

  it('draws API 4xx, 5xx and latency p50/p99, workflow outcomes and SES reputation with the review thresholds', () => {
    expect(linesOf('API requests and errors').map((line) => line.split(' ')[1])).toEqual(['Count', '4XXError', '5XXError']);
    expect(linesOf('API latency').map((line) => `${line.split(' ')[1]} ${line.split(' ').pop()}`)).toEqual(['Latency p50', 'Latency p99']);
    expect(linesOf('Workflow executions').map((line) => line.split(' ')[1])).toEqual([
      'ExecutionsStarted',
      'ExecutionsSucceeded',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
    ]);
    expect(linesOf('SES reputation (account)')).toEqual(['AWS/SES Reputation.BounceRate Maximum', 'AWS/SES Reputation.ComplaintRate Maximum']);
    expect(widget('SES reputation (account)').properties.annotations?.horizontal?.map((a) => a.value)).toEqual([
      SES_REPUTATION_THRESHOLDS.bounceRate,
      SES_REPUTATION_THRESHOLDS.complaintRate,
    ]);
  });

  it('names the dashboard after the stack', () => {
    expect(ofType('AWS::CloudWatch::Dashboard')).toEqual([expect.objectContaining({ Properties: expect.objectContaining({ DashboardName: 'ObservabilityTest' }) })]);
  });

  it('shows every alarm of the stack in the status widget', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(widget('Alarms').properties.alarms).toHaveLength(alarms.length);
  });

  describe('alarms on customers left waiting', () => {
    const alarmsOn = (metricName: string) => ofType('AWS::CloudWatch::Alarm').filter((alarm) => alarm.Properties.MetricName === metricName).map((alarm) => alarm.Properties);
    const topicRef = () => ({ Ref: stack.getLogicalId(stack.monitoring.topic.node.defaultChild as never) });

    it.each([METRIC.activationEmailsFailed, METRIC.emailSendFailures])('alarms on the first %s of a period, to the alarm topic', (metricName) => {
      expect(alarmsOn(metricName)).toEqual([
        expect.objectContaining({
          Namespace: METRICS_NAMESPACE,
          Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
          Statistic: 'Sum',
          Period: 300,
          Threshold: 1,
          EvaluationPeriods: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [topicRef()],
        }),
      ]);
    });

    it('alarms on sends SES keeps deferring, not on a passing throttle', () => {
      expect(alarmsOn(METRIC.emailSendsDeferred)).toEqual([
        expect.objectContaining({
          Threshold: DEFERRED_SENDS_ALARM.threshold,
          EvaluationPeriods: DEFERRED_SENDS_ALARM.evaluationPeriods,
          AlarmActions: [topicRef()],
        }),
      ]);
    });

    it('keeps one alarm each on API 5xx and failed or timed-out executions', () => {
      for (const metricName of ['5XXError', 'ExecutionsFailed', 'ExecutionsTimedOut']) expect(alarmsOn(metricName)).toHaveLength(1);
    });
  });

  it('lets the portal send and read X-Correlation-Id (CORS)', () => {
    const preflight = ofType('AWS::ApiGateway::Method').find((method) => method.Properties.HttpMethod === 'OPTIONS')!;
    const headers = preflight.Properties.Integration.IntegrationResponses[0].ResponseParameters as Record<string, string>;
    expect(headers['method.response.header.Access-Control-Allow-Headers']).toContain('X-Correlation-Id');
    expect(headers['method.response.header.Access-Control-Expose-Headers']).toContain('X-Correlation-Id');
  });
});
