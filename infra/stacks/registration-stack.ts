import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { API_LOGGING_VALUES, Api, type ApiLogging } from '../constructs/api';
import { Data } from '../constructs/data';
import { Email } from '../constructs/email';
import { Monitoring } from '../constructs/monitoring';
import type { ServiceFunction } from '../constructs/service-function';
import { Workflow } from '../constructs/workflow';
import { checkEmail } from '../../shared/domain/field-rules';
import { checkHttpsUrl, contextReader, InvalidContextError, phoneProblem } from '../context-values';

/** Deployment settings, read from CDK context values (defaults in cdk.json). */
export interface RegistrationSettings {
  /** Base URL of the portal; emails link to `${portalUrl}/activation#token=…`. No trailing slash. */
  readonly portalUrl: string;
  /** Origin of `portalUrl`: the only origin CORS allows. */
  readonly portalOrigin: string;
  readonly senderEmail: string;
  readonly senderIdentity: 'email' | 'domain';
  readonly customerServicePhone: string;
  readonly alarmEmail?: string;
  /** The IAM role agents assume for the agent routes; absent: the stack creates one. */
  readonly agentRoleArn?: string;
  /** Where API Gateway logs go (see `ApiLogging`). */
  readonly apiGatewayLogging: ApiLogging;
}

const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;

/**
 * Reads and validates the context values; throws one error that lists every problem, with how
 * to set the value, so that `cdk synth` fails before building anything.
 */
export function readSettings(scope: Construct): RegistrationSettings {
  const problems: string[] = [];
  const read = contextReader(scope, problems);

  const rawPortalUrl = read('portalUrl', true);
  let portalUrl = '';
  let portalOrigin = '';
  if (rawPortalUrl !== undefined) {
    // Every problem of the URL at once (an http URL with a query is two problems).
    const checked = checkHttpsUrl('portalUrl', rawPortalUrl, { allowLocalHttp: true });
    problems.push(...checked.problems);
    portalUrl = checked.url ?? '';
    portalOrigin = checked.origin ?? '';
  }

  const senderEmail = read('senderEmail', true);
  if (senderEmail !== undefined && checkEmail(senderEmail).length > 0) {
    problems.push(`"senderEmail" is not an email address (got ${JSON.stringify(senderEmail)})`);
  }

  const senderIdentity = read('senderIdentity', false) ?? 'email';
  if (senderIdentity !== 'email' && senderIdentity !== 'domain') {
    problems.push(`"senderIdentity" must be "email" or "domain" (got ${JSON.stringify(senderIdentity)})`);
  }

  const customerServicePhone = read('customerServicePhone', true);
  const phone = customerServicePhone === undefined ? undefined : phoneProblem('customerServicePhone', customerServicePhone);
  if (phone) problems.push(phone);

  const alarmEmail = read('alarmEmail', false);
  if (alarmEmail !== undefined && checkEmail(alarmEmail).length > 0) {
    problems.push(`"alarmEmail" is not an email address (got ${JSON.stringify(alarmEmail)})`);
  }

  const agentRoleArn = read('agentRoleArn', false);
  if (agentRoleArn !== undefined && !ROLE_ARN_PATTERN.test(agentRoleArn)) {
    problems.push(`"agentRoleArn" must be an IAM role ARN, arn:aws:iam::<account>:role/<name> (got ${JSON.stringify(agentRoleArn)})`);
  }

  const apiGatewayLogging = read('apiGatewayLogging', false) ?? 'account-role';
  if (!(API_LOGGING_VALUES as readonly string[]).includes(apiGatewayLogging)) {
    problems.push(`"apiGatewayLogging" must be ${API_LOGGING_VALUES.map((v) => `"${v}"`).join(', ')} (got ${JSON.stringify(apiGatewayLogging)})`);
  }

  if (problems.length > 0) throw new InvalidContextError(problems);
  return {
    portalUrl,
    portalOrigin,
    senderEmail: senderEmail!,
    senderIdentity: senderIdentity as 'email' | 'domain',
    customerServicePhone: customerServicePhone!,
    alarmEmail,
    agentRoleArn,
    apiGatewayLogging: apiGatewayLogging as ApiLogging,
  };
}

export interface RegistrationStackProps extends StackProps {
  /** @default read from the context (`readSettings`) */
  readonly settings?: RegistrationSettings;
}

/** The registration service: table, email, workflow, API and alarms. */
export class RegistrationStack extends Stack {
  readonly api: Api;
  readonly workflow: Workflow;
  readonly data: Data;
  readonly email: Email;
  readonly monitoring: Monitoring;
  /** Records SES bounces and complaints (subscribed to the email feedback topic). */
  readonly emailFeedbackFunction: ServiceFunction;

  constructor(scope: Construct, id: string, props: RegistrationStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? readSettings(this);
    Tags.of(this).add('service', 'registration');

    this.data = new Data(this, 'Data');
    this.email = new Email(this, 'Email', {
      senderEmail: settings.senderEmail,
      senderIdentity: settings.senderIdentity,
      portalUrl: settings.portalUrl,
      customerServicePhone: settings.customerServicePhone,
    });
    this.emailFeedbackFunction = this.email.recordFeedback(this.data);
    this.workflow = new Workflow(this, 'Workflow', { data: this.data, email: this.email });
    this.api = new Api(this, 'Api', {
      data: this.data,
      email: this.email,
      workflow: this.workflow,
      portalOrigin: settings.portalOrigin,
      agentRoleArn: settings.agentRoleArn,
      logging: settings.apiGatewayLogging,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      stage: this.api.restApi.deploymentStage,
      functions: [...this.api.functions.values(), ...this.workflow.functions, this.emailFeedbackFunction],
      stateMachine: this.workflow.stateMachine,
      table: this.data.table,
      alarmEmail: settings.alarmEmail,
    });

    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the API (append /v1/...)', value: this.api.restApi.url });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'SesConfigurationSet', { value: this.email.configurationSet.configurationSetName });
    new CfnOutput(this, 'AgentRoleArn', {
      description: 'The role Customer Service agents assume to call /v1/agent/* (SigV4, service execute-api)',
      value: this.api.agentRole.roleArn,
    });
    new CfnOutput(this, 'EmailFeedbackTopicArn', {
      description: 'SES bounces, complaints, rejections and delays of the service\'s emails',
      value: this.email.feedbackTopic.topicArn,
    });
  }
}
