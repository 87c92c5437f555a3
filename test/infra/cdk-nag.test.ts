import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PROJECT_ROOT } from '../../infra/constructs/service-function';
import { acknowledgements, nagViolations } from '../fixtures/cdk-nag';
import { RegistrationStack } from '../../infra/stacks/registration-stack';

const cdkJsonContext = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;

function build(context: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...cdkJsonContext, ...context } });
  const stack = new RegistrationStack(app, 'RegistrationNag');
  return { app, stack };
}

describe('cdk-nag AwsSolutions', () => {
  it('reports nothing unacknowledged with the default settings', () => {
    expect(nagViolations(build().app)).toEqual([]);
  });

  it('reports nothing unacknowledged with a domain identity and an alarm subscription', () => {
    expect(nagViolations(build({ senderIdentity: 'domain', alarmEmail: 'ops@example.com' }).app)).toEqual([]);
  });

  it.each(['create-role', 'off'])('reports nothing unacknowledged with apiGatewayLogging=%s', (apiGatewayLogging) => {
    expect(nagViolations(build({ apiGatewayLogging }).app)).toEqual([]);
  });

  it('reports nothing unacknowledged with an existing agent role', () => {
    expect(nagViolations(build({ agentRoleArn: 'arn:aws:iam::123456789012:role/CustomerServiceAgent' }).app)).toEqual([]);
  });

  it('still reports what nobody acknowledged (the check is live)', () => {
    const { app, stack } = build();
    new sns.Topic(stack, 'UnacknowledgedTopic');
    expect(nagViolations(app)).toEqual([expect.stringMatching(/^AwsSolutions-SNS3 \(error\) at RegistrationNag\/UnacknowledgedTopic\//)]);
  });

  it('acknowledges findings one by one, on the construct concerned, each with its reason', () => {
    const { stack } = build();
    const acks = acknowledgements(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      // Never on the stack as a whole, and wildcard/managed-policy findings only by their exact finding.
      expect(ack.path).not.toBe(stack.node.path);
      expect(ack.id).toMatch(/^AwsSolutions-[A-Z]+\d+/);
      if (/^AwsSolutions-IAM[45]/.test(ack.id)) expect(ack.id).toMatch(/\[(Resource|Action|Policy)::.+\]$/);
      expect(ack.reason.length).toBeGreaterThan(40);
    }
    // The wildcard resources acknowledged are X-Ray and log delivery only, in their own policies.
    const wildcards = acks.filter((ack) => ack.id === 'AwsSolutions-IAM5[Resource::*]');
    for (const ack of wildcards) expect(ack.path).toMatch(/\/(TracingPolicy|LogDeliveryAndTracingPolicy)$/);
    // The other wildcards are the account number in the agent routes' ARNs, in the agent role's policy.
    for (const ack of acks.filter((a) => a.id.startsWith('AwsSolutions-IAM5[') && a.id !== 'AwsSolutions-IAM5[Resource::*]')) {
      expect(ack.path).toMatch(/\/AgentRoutesPolicy$/);
      expect(ack.id).toMatch(/^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:execute-api:.*\/prod\/(GET|POST|DELETE)\/v1\/agent\/accounts\/\*\/[a-z-]+\]$/);
    }
    expect(acks.map((ack) => ack.id.replace(/\[.*$/, '')).sort().filter((id, i, all) => all.indexOf(id) === i)).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-COG4',
      'AwsSolutions-IAM5',
      'AwsSolutions-L1',
      'AwsSolutions-SF1',
    ]);
  });

  it('leaves no CDK warning or error on the stack', () => {
    const { stack } = build();
    const annotations = Annotations.fromStack(stack as Stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });
});
