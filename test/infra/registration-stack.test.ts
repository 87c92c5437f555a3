import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { fallbackHandler, routes } from '../../shared/http/routes';
import { DEFAULT_HANDLER_ACCESS, HANDLER_ACCESS, handlerAccess } from '../../infra/constructs/api';
import { KEY_PREFIXES } from '../../infra/constructs/data';
import { PROJECT_ROOT, ServiceFunction, functionEntry } from '../../infra/constructs/service-function';
import { REGISTRATION_ASL_PATH } from '../../infra/constructs/workflow';
import { RegistrationStack, readSettings } from '../../infra/stacks/registration-stack';

/** The documented defaults (cdk.json), so the tests cover what `cdk synth` builds. */
const cdkJsonContext = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
const WORKFLOW_HANDLERS = ['issue-activation', 'await-registration', 'send-confirmation', 'expire-activation', 'record-failure', 'send-recovery-email'];
const API_HANDLERS = [...new Set([...routes.map((route) => route.handler), fallbackHandler])];
const EVENT_HANDLERS = ['email-feedback'];

function build(context: Record<string, unknown> = {}) {
  // Bundling skipped: the tests look at the template, not at the code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...cdkJsonContext, ...context } });
  const stack = new RegistrationStack(app, 'RegistrationTest');
  return { app, stack, template: Template.fromStack(stack) };
}

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };

describe('RegistrationStack', () => {
  let built: ReturnType<typeof build>;
  let template: Template;
  let resources: Record<string, Resource>;

  beforeAll(() => {
    built = build();
    template = built.template;
    resources = template.toJSON().Resources;
  });

  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

  /** The Lambda function logical id of a handler, found by its construct path. */
  const functionIdOf = (handler: string): string => {
    const construct = built.stack.node
      .findAll()
      .find((c): c is ServiceFunction => c instanceof ServiceFunction && c.node.id === `${pascal(handler)}Function`);
    if (!construct) throw new Error(`no function for ${handler}`);
    return built.stack.getLogicalId(construct.function.node.defaultChild as never);
  };

  /** Every action the role of a handler's function may perform, with the resources as JSON. */
  const permissionsOf = (handler: string): { actions: string[]; statements: { actions: string[]; resources: string; condition: string }[] } => {
    const fn = resources[functionIdOf(handler)]!;
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, policy]) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: unknown }[])
      .map((statement) => ({
        actions: [statement.Action].flat(),
        resources: JSON.stringify(statement.Resource),
        condition: JSON.stringify(statement.Condition ?? null),
      }));
    return { actions: statements.flatMap((statement) => statement.actions), statements };
  };

  const environmentOf = (handler: string): Record<string, unknown> =>
    resources[functionIdOf(handler)]!.Properties.Environment.Variables;

  describe('functions', () => {
    it('has one function per route handler, the fallback, each workflow step and the email feedback subscriber', () => {
      expect(ofType('AWS::Lambda::Function')).toHaveLength(API_HANDLERS.length + WORKFLOW_HANDLERS.length + EVENT_HANDLERS.length);
      for (const handler of API_HANDLERS) expect(existsSync(functionEntry('api', handler))).toBe(true);
      for (const handler of WORKFLOW_HANDLERS) expect(existsSync(functionEntry('workflow', handler))).toBe(true);
      for (const handler of EVENT_HANDLERS) expect(existsSync(functionEntry('events', handler))).toBe(true);
    });

    it('runs every function on Node.js 22, arm64, 512 MB, X-Ray active, logging to its own log group', () => {
      for (const [, fn] of ofType('AWS::Lambda::Function')) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          MemorySize: 512,
          TracingConfig: { Mode: 'Active' },
          Handler: 'index.handler',
          Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'registration', LOG_LEVEL: 'INFO' } },
        });
        const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
        expect(resources[logGroupId]!.Properties.RetentionInDays).toEqual(expect.any(Number));
      }
    });

    it('gives API functions about 10 s and workflow steps 30 s', () => {
      expect(resources[functionIdOf('health')]!.Properties.Timeout).toBe(10);
      expect(resources[functionIdOf('register')]!.Properties.Timeout).toBe(10);
      for (const handler of WORKFLOW_HANDLERS) expect(resources[functionIdOf(handler)]!.Properties.Timeout).toBe(60);
    });

    it('attaches no AWS managed policy to function roles', () => {
      for (const [, fn] of ofType('AWS::Lambda::Function')) {
        const role = resources[fn.Properties.Role['Fn::GetAtt'][0]]!;
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('table', () => {
    it('is on demand, with point-in-time recovery, TTL on `ttl`, AWS managed encryption, retained', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: Match.arrayWith([
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ]),
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
          SSESpecification: { SSEEnabled: true },
          TableName: Match.absent(),
        },
      });
    });
  });

  describe('workflow', () => {
    const asl = readFileSync(REGISTRATION_ASL_PATH, 'utf8');

    it('is a Standard state machine named after the stack, logging errors without execution data, traced', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        StateMachineName: 'RegistrationTest-registration',
        LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false },
        TracingConfiguration: { Enabled: true },
      });
    });

    it('fills every ARN placeholder of the ASL file with a workflow function', () => {
      const placeholders = [...asl.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]!);
      const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0]!;
      const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;
      expect(Object.keys(substitutions).sort()).toEqual([...new Set(placeholders)].sort());
      for (const value of Object.values(substitutions)) {
        expect(resources[value['Fn::GetAtt'][0]]!.Type).toBe('AWS::Lambda::Function');
      }
    });

    it('deploys the ASL file itself, with the five-day callback task', () => {
      const asset = built.stack.workflow.stateMachine.node.findAll().find((c): c is Asset => c instanceof Asset);
      expect(asset).toBeDefined();
      const deployed = readFileSync(path.join(built.app.outdir, asset!.assetPath), 'utf8');
      expect(deployed).toBe(asl);
      const definition = JSON.parse(deployed);
      expect(definition.States.AwaitRegistration).toMatchObject({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        TimeoutSeconds: 432000,
      });
      const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0]!;
      expect(machine.Properties.DefinitionS3Location.Key).toBe(`${asset!.assetHash}.json`);
    });

    it('lets the state machine invoke exactly its five functions', () => {
      const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0]!;
      const roleId = machine.Properties.RoleArn['Fn::GetAtt'][0];
      const invoke = ofType('AWS::IAM::Policy')
        .filter(([, policy]) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
        .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
        .filter((statement: { Action: unknown }) => statement.Action === 'lambda:InvokeFunction');
      expect(invoke).toHaveLength(1);
      expect(invoke[0].Resource.map((arn: { 'Fn::GetAtt': string[] }) => arn['Fn::GetAtt'][0]).sort()).toEqual(
        WORKFLOW_HANDLERS.map(functionIdOf).sort(),
      );
    });
  });

  describe('API', () => {
    const methods = (): Record<string, any>[] =>
      ofType('AWS::ApiGateway::Method').map(([id, method]) => ({ id, ...method.Properties }));
    const pathOf = (resourceId: unknown): string => {
      if (typeof resourceId === 'object' && resourceId && 'Fn::GetAtt' in resourceId) return '/';
      const id = (resourceId as { Ref: string }).Ref;
      const resource = resources[id]!.Properties;
      return `${pathOf(resource.ParentId) === '/' ? '' : pathOf(resource.ParentId)}/${resource.PathPart}`;
    };
    const integrationTarget = (method: Record<string, any>): string =>
      JSON.stringify(method.Integration.Uri).match(/"Fn::GetAtt":\["(\w+)","Arn"\]/)![1]!;

    it('has one Lambda proxy method per route, IAM-authorized for agent routes only', () => {
      for (const route of routes) {
        const method = methods().find((m) => m.HttpMethod === route.method && pathOf(m.ResourceId) === route.path);
        expect(method).toBeDefined();
        expect(method!.Integration.Type).toBe('AWS_PROXY');
        expect(integrationTarget(method!)).toBe(functionIdOf(route.handler));
        expect(method!.AuthorizationType).toBe(route.auth === 'agent' ? 'AWS_IAM' : 'NONE');
      }
      expect(routes.some((route) => route.auth === 'agent')).toBe(true);
    });

    it('sends every other method of every resource, and unknown paths, to route-not-found', () => {
      const fallbackId = functionIdOf(fallbackHandler);
      const resourcePaths = ['/', ...ofType('AWS::ApiGateway::Resource').map(([id]) => pathOf({ Ref: id }))];
      expect(resourcePaths).toContain('/{proxy+}');
      for (const resourcePath of resourcePaths) {
        const any = methods().find((m) => m.HttpMethod === 'ANY' && pathOf(m.ResourceId) === resourcePath);
        expect(any).toBeDefined();
        expect(integrationTarget(any!)).toBe(fallbackId);
      }
    });

    it('answers CORS preflight for the portal origin only', () => {
      const options = methods().filter((m) => m.HttpMethod === 'OPTIONS');
      expect(options.length).toBeGreaterThan(0);
      for (const method of options) {
        const headers = method.Integration.IntegrationResponses[0].ResponseParameters;
        expect(headers['method.response.header.Access-Control-Allow-Origin']).toBe("'https://portal.example.com'");
      }
      for (const handler of API_HANDLERS) expect(environmentOf(handler).PORTAL_ORIGIN).toBe('https://portal.example.com');
    });

    it('throttles the stage, logs access without bodies and errors without data traces', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        MethodSettings: Match.arrayWith([
          Match.objectLike({
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: 50,
            ThrottlingBurstLimit: 100,
            LoggingLevel: 'ERROR',
            DataTraceEnabled: false,
          }),
        ]),
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('resourcePath') },
        TracingEnabled: true,
      });
      const [, stage] = ofType('AWS::ApiGateway::Stage')[0]!;
      expect(stage.Properties.AccessLogSetting.Format).not.toMatch(/requestBody|\$context\.path\b/);
    });

    it('answers gateway errors in the error shape of the spec', () => {
      for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
        template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
          ResponseType: type,
          ResponseTemplates: { 'application/json': Match.stringLikeRegexp('^\\{"error":\\{"code":"[^"]+","message":') },
          ResponseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': "'https://portal.example.com'" },
        });
      }
    });

    it('protects the stage with a regional web ACL: rate limit per address and the AWS common rule set', () => {
      template.hasResourceProperties('AWS::WAFv2::WebACL', {
        Scope: 'REGIONAL',
        DefaultAction: { Allow: {} },
        Rules: Match.arrayWith([
          Match.objectLike({
            Statement: { RateBasedStatement: { AggregateKeyType: 'IP', Limit: 300, EvaluationWindowSec: 300 } },
            Action: { Block: Match.objectLike({ CustomResponse: Match.objectLike({ ResponseCode: 429 }) }) },
          }),
          Match.objectLike({
            Statement: { ManagedRuleGroupStatement: Match.objectLike({ VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' }) },
          }),
        ]),
      });
      const [webAclId] = ofType('AWS::WAFv2::WebACL')[0]!;
      const [stageId] = ofType('AWS::ApiGateway::Stage')[0]!;
      const [, association] = ofType('AWS::WAFv2::WebACLAssociation')[0]!;
      expect(association.Properties.WebACLArn).toEqual({ 'Fn::GetAtt': [webAclId, 'Arn'] });
      expect(JSON.stringify(association.Properties.ResourceArn)).toContain(`{"Ref":"${stageId}"}`);
    });
  });

  describe('email', () => {
    it('sends from the sender identity through a configuration set without tracking', () => {
      template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'no-reply@example.com' });
      template.hasResourceProperties('AWS::SES::ConfigurationSet', {
        TrackingOptions: Match.absent(),
        VdmOptions: { DashboardOptions: { EngagementMetrics: 'DISABLED' } },
      });
    });

    it('publishes bounces and complaints (never opens or clicks) to the feedback topic, which SES may publish to', () => {
      const destinations = ofType('AWS::SES::ConfigurationSetEventDestination');
      expect(destinations).toHaveLength(1);
      const [, destination] = destinations[0]!;
      const topicId = built.stack.getLogicalId(built.stack.email.feedbackTopic.node.defaultChild as never);
      expect(destination.Properties.EventDestination).toMatchObject({
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint', 'reject', 'deliveryDelay'],
        SnsDestination: { TopicARN: { Ref: topicId } },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'ses.amazonaws.com' } }),
          ]),
        },
      });
      expect(template.toJSON().Outputs.EmailFeedbackTopicArn.Value).toEqual({ Ref: topicId });
      // Only the function that records feedback subscribes: no mailbox gets recipients' addresses.
      const subscriptions = ofType('AWS::SNS::Subscription').filter(([, sub]) => sub.Properties.TopicArn.Ref === topicId);
      expect(subscriptions.map(([, sub]) => sub.Properties)).toEqual([
        { Protocol: 'lambda', TopicArn: { Ref: topicId }, Endpoint: { 'Fn::GetAtt': [functionIdOf('email-feedback'), 'Arn'] } },
      ]);
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'sns.amazonaws.com',
        SourceArn: { Ref: topicId },
        FunctionName: { 'Fn::GetAtt': [functionIdOf('email-feedback'), 'Arn'] },
      });
    });

    it('lets the email feedback function write suppressions and account history only, without sending email', () => {
      const { actions, statements } = permissionsOf('email-feedback');
      expect(actions.some((action) => action.startsWith('ses:') || action.startsWith('states:'))).toBe(false);
      const table = statements.filter((statement) => statement.actions.some((action) => action.startsWith('dynamodb:')));
      for (const statement of table) {
        expect(JSON.parse(statement.condition)).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ACCOUNT#*', 'SUPPRESSED#*'] } });
      }
      expect(table.flatMap((statement) => statement.actions)).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem']));
      expect(environmentOf('email-feedback')).toMatchObject({ TABLE_NAME: { Ref: expect.any(String) } });
    });

    it('gives the email settings to the functions that send email', () => {
      for (const handler of ['issue-activation', 'send-confirmation']) {
        expect(environmentOf(handler)).toMatchObject({
          PORTAL_URL: 'https://portal.example.com',
          SENDER_EMAIL: 'no-reply@example.com',
          CUSTOMER_SERVICE_PHONE: '1 800 555-0100',
          SES_CONFIGURATION_SET: { Ref: expect.any(String) },
        });
      }
    });
  });

  describe('least privilege', () => {
    const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
    /** The actions of a handler's statements whose leading keys include other kinds than idempotency records. */
    const beyondIdempotency = (handler: string): string[] =>
      permissionsOf(handler)
        .statements.filter((s) => !/^\{"ForAllValues:StringLike":\{"dynamodb:LeadingKeys":\["IDEMPOTENCY#\*"\]\}\}$/.test(s.condition))
        .flatMap((s) => s.actions);

    it('lets health and route-not-found write their logs and traces, nothing else', () => {
      for (const handler of ['health', fallbackHandler]) {
        expect(permissionsOf(handler).actions.sort()).toEqual(
          ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'].sort(),
        );
        expect(Object.keys(environmentOf(handler)).sort()).toEqual(['LOG_LEVEL', 'PORTAL_ORIGIN', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME']);
      }
    });

    it('lets verify-activation read the table, writing only idempotency records, without emailing or touching the workflow', () => {
      const { actions } = permissionsOf('verify-activation');
      expect(actions).toContain('dynamodb:GetItem');
      for (const action of WRITE_ACTIONS) expect(beyondIdempotency('verify-activation')).not.toContain(action);
      expect(actions.filter((action) => /^(ses|states):/.test(action))).toEqual([]);
      expect(environmentOf('verify-activation').TABLE_NAME).toEqual({ Ref: expect.any(String) });
    });

    it('lets request-activation read the table and start the workflow, writing only idempotency records', () => {
      const { actions } = permissionsOf('request-activation');
      for (const action of WRITE_ACTIONS) expect(beyondIdempotency('request-activation')).not.toContain(action);
      expect(actions.filter((action) => /^states:/.test(action))).toEqual(['states:StartExecution']);
    });

    it('lets issue-activation, send-confirmation and send-recovery-email send email from the sender address, identity and configuration set only', () => {
      for (const handler of ['issue-activation', 'send-confirmation', 'send-recovery-email']) {
        const ses = permissionsOf(handler).statements.filter((statement) => statement.actions.some((a) => a.startsWith('ses:')));
        expect(ses).toHaveLength(1);
        expect(ses[0]!.actions).toEqual(['ses:SendEmail']);
        expect(JSON.parse(ses[0]!.condition)).toEqual({ StringEquals: { 'ses:FromAddress': 'no-reply@example.com' } });
        expect(ses[0]!.resources).toContain(':identity/');
        expect(ses[0]!.resources).toContain(':configuration-set/');
        expect(ses[0]!.resources).not.toContain('"*"');
      }
      const sendersOfEmail = API_HANDLERS.concat(WORKFLOW_HANDLERS).filter((handler) =>
        permissionsOf(handler).actions.some((action) => action.startsWith('ses:')),
      );
      expect(sendersOfEmail.sort()).toEqual(['issue-activation', 'send-confirmation', 'send-recovery-email']);
      // Every sender reads the suppression list before it sends.
      for (const handler of sendersOfEmail) {
        const reads = permissionsOf(handler).statements.filter((statement) => statement.actions.includes('dynamodb:GetItem'));
        expect(reads.map((statement) => statement.condition).join()).toContain('SUPPRESSED#*');
      }
      expect(permissionsOf('send-confirmation').actions).not.toContain('dynamodb:PutItem');
      // shared/adapters/ses-notifier.ts sends with SendEmail only.
      const notifier = readFileSync(path.join(PROJECT_ROOT, 'shared', 'adapters', 'ses-notifier.ts'), 'utf8');
      expect([...notifier.matchAll(/new (\w+Command)\(/g)].map((m) => m[1])).toEqual(['SendEmailCommand']);
    });

    it('lets only the handlers that start the workflow call StartExecution, on this state machine', () => {
      const [machineId] = ofType('AWS::StepFunctions::StateMachine')[0]!;
      const starters = API_HANDLERS.concat(WORKFLOW_HANDLERS).filter((handler) =>
        permissionsOf(handler).actions.includes('states:StartExecution'),
      );
      expect(starters).toContain('request-activation');
      expect(starters.sort()).toEqual(API_HANDLERS.filter((handler) => handlerAccess(handler).startWorkflow).sort());
      for (const handler of starters) {
        const statement = permissionsOf(handler).statements.find((s) => s.actions.includes('states:StartExecution'))!;
        expect(statement.resources).toBe(JSON.stringify({ Ref: machineId }));
        expect(environmentOf(handler).STATE_MACHINE_ARN).toEqual({ Ref: machineId });
      }
    });

    it('lets only the handlers listed for it answer the callback task, by the ARN built from the name', () => {
      const answers = (handler: string) =>
        permissionsOf(handler)
          .actions.filter((action) => /^states:SendTask/.test(action))
          .sort();
      expect(answers('register')).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
      // The activation an email replaced has its wait ended by AwaitRegistration: IssueActivation and
      // RecordFailure, which revoke it, call no Step Functions API.
      expect(answers('issue-activation')).toEqual([]);
      expect(answers('record-failure')).toEqual([]);
      expect(answers('await-registration')).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
      for (const handler of API_HANDLERS) {
        expect(answers(handler)).toEqual((handlerAccess(handler).taskResponse ?? []).map((action) => `states:${action}`).sort());
      }
      expect(answers('send-confirmation')).toEqual([]);
      expect(answers('expire-activation')).toEqual([]);
      const statement = permissionsOf('await-registration').statements.find((s) => s.actions.includes('states:SendTaskSuccess'))!;
      expect(statement.resources).toContain(':stateMachine:RegistrationTest-registration');
    });

    it('tells every function that talks to the workflow its ARN, without a reference from the workflow to itself', () => {
      const [machineId] = ofType('AWS::StepFunctions::StateMachine')[0]!;
      for (const handler of API_HANDLERS.concat(WORKFLOW_HANDLERS)) {
        const talks = permissionsOf(handler).actions.some((action) => /^states:/.test(action));
        const arn = environmentOf(handler).STATE_MACHINE_ARN;
        if (!talks) {
          expect(arn).toBeUndefined();
          continue;
        }
        expect(JSON.stringify(arn)).toMatch(new RegExp(`${machineId}|:stateMachine:RegistrationTest-registration`));
      }
      for (const handler of WORKFLOW_HANDLERS) {
        expect(JSON.stringify(resources[functionIdOf(handler)]!.Properties)).not.toContain(machineId);
      }
    });

    it('gives read/write table access to the handlers that keep state, and every kind to any handler not listed', () => {
      for (const handler of ['username-availability', 'register', 'issue-activation', 'await-registration', 'expire-activation']) {
        expect(beyondIdempotency(handler)).toEqual(expect.arrayContaining(WRITE_ACTIONS));
      }
      expect(handlerAccess('some-future-route')).toBe(DEFAULT_HANDLER_ACCESS);
      expect(DEFAULT_HANDLER_ACCESS.table).toEqual({ read: [...KEY_PREFIXES], write: [...KEY_PREFIXES] });
      expect(Object.keys(HANDLER_ACCESS)).toEqual(expect.arrayContaining(['health', fallbackHandler, 'request-activation']));
    });
  });

  describe('monitoring', () => {
    it('alarms on API 5xx, every function error, failed or timed-out executions, DynamoDB trouble and SES reputation', () => {
      const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
      const byMetric = (name: string) => alarms.filter((alarm) => alarm.MetricName === name);
      expect(byMetric('5XXError')).toHaveLength(1);
      expect(byMetric('Errors')).toHaveLength(API_HANDLERS.length + WORKFLOW_HANDLERS.length + EVENT_HANDLERS.length);
      expect(byMetric('ExecutionsFailed')).toHaveLength(1);
      expect(byMetric('ExecutionsTimedOut')).toHaveLength(1);
      const expressions = alarms.filter((alarm) => alarm.Metrics).map((alarm) => JSON.stringify(alarm.Metrics));
      expect(expressions.filter((metrics) => metrics.includes('ThrottledRequests'))).toHaveLength(1);
      expect(expressions.filter((metrics) => metrics.includes('SystemErrors'))).toHaveLength(1);
      const topicId = built.stack.getLogicalId(built.stack.monitoring.topic.node.defaultChild as never);
      for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      // Where SES reviews the account: bounces over 5 %, complaints over 0.1 % (account-wide rates).
      for (const [metricName, threshold] of [['Reputation.BounceRate', 0.05], ['Reputation.ComplaintRate', 0.001]] as const) {
        const reputation = byMetric(metricName);
        expect(reputation).toEqual([expect.objectContaining({ Namespace: 'AWS/SES', Threshold: threshold, ComparisonOperator: 'GreaterThanThreshold' })]);
        expect(reputation[0]!.Dimensions).toBeUndefined();
      }
      for (const metrics of expressions) expect(JSON.parse(metrics).length).toBeLessThanOrEqual(11);
    });

    it('subscribes no one to the alarms unless alarmEmail is set', () => {
      const topicId = built.stack.getLogicalId(built.stack.monitoring.topic.node.defaultChild as never);
      expect(ofType('AWS::SNS::Subscription').filter(([, sub]) => sub.Properties.TopicArn.Ref === topicId)).toEqual([]);
    });
  });
});

describe('context values', () => {
  const settingsOf = (context: Record<string, unknown>) =>
    readSettings(new App({ context: { ...cdkJsonContext, ...context } }));

  it('derives the CORS origin from portalUrl and drops a trailing slash', () => {
    expect(settingsOf({ portalUrl: 'https://clients.example.ca/affaires/' })).toMatchObject({
      portalUrl: 'https://clients.example.ca/affaires',
      portalOrigin: 'https://clients.example.ca',
    });
  });

  it('refuses invalid values with one error naming each of them', () => {
    expect(() => settingsOf({ portalUrl: 'ftp://portal', senderEmail: 'nobody', customerServicePhone: 'call us' })).toThrow(
      /Invalid CDK context: "portalUrl" must use https.*"senderEmail" is not an email address.*"customerServicePhone" must be a phone number/,
    );
    expect(() => settingsOf({ portalUrl: 'https://portal.example.com/?a=1' })).toThrow(/"portalUrl" must have no/);
    expect(() => settingsOf({ senderIdentity: 'dns' })).toThrow(/"senderIdentity" must be "email" or "domain"/);
    expect(() => settingsOf({ alarmEmail: 'ops' })).toThrow(/"alarmEmail" is not an email address/);
    expect(() => settingsOf({ agentRoleArn: 'arn:aws:iam::123:user/bob' })).toThrow(/"agentRoleArn" must be an IAM role ARN/);
    expect(() => settingsOf({ apiGatewayLogging: 'yes' })).toThrow(/"apiGatewayLogging" must be "account-role", "create-role", "off"/);
    expect(settingsOf({})).toMatchObject({ agentRoleArn: undefined, apiGatewayLogging: 'account-role' });
    expect(() => readSettings(new App())).toThrow(/"portalUrl" is missing.*"senderEmail" is missing.*"customerServicePhone" is missing/);
  });

  it('verifies a whole domain with Easy DKIM and subscribes alarmEmail when asked', () => {
    const { template } = build({ senderIdentity: 'domain', senderEmail: 'noreply@mail.example.ca', alarmEmail: 'ops@example.ca' });
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'mail.example.ca' });
    expect(Object.keys(template.findOutputs('*')).filter((key) => key.includes('DkimRecord'))).toHaveLength(3);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.ca' });
    const issue = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (fn) => fn.Properties.Environment.Variables.SENDER_EMAIL,
    );
    expect(issue!.Properties.Environment.Variables.SENDER_EMAIL).toBe('noreply@mail.example.ca');
  });
});

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_match, _dash, char: string) => char.toUpperCase());
}
