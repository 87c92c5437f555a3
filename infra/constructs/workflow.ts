import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Data, TableGrant } from './data';
import type { Email } from './email';
import { ServiceFunction, functionEntry } from './service-function';

/** The state machine definition, deployed as is and run locally by `infra/local`. */
export const REGISTRATION_ASL_PATH = path.join(__dirname, '..', 'workflow', 'registration.asl.json');

/** The callback APIs that answer a `.waitForTaskToken` task. */
export type TaskResponseAction = 'SendTaskSuccess' | 'SendTaskFailure' | 'SendTaskHeartbeat';

/** One Task state's function: its entry, the placeholder of its ARN in the ASL, what it may do. */
interface WorkflowStep {
  readonly handler: string;
  readonly placeholder: string;
  /** `read`: the kinds of every adapter the step builds (checked by test/infra); `write`: what its use case writes. */
  readonly table: TableGrant;
  readonly email: boolean;
  readonly taskResponse: readonly TaskResponseAction[];
}

const STEPS: readonly WorkflowStep[] = [
  {
    handler: 'issue-activation',
    placeholder: 'IssueActivationFunctionArn',
    // Reserves, confirms or fails the activation and the account's email log; audits. Every
    // sender reads SUPPRESSED#… (the suppression list) before it sends.
    table: { read: ['ACCOUNT', 'ACTIVATION', 'USER', 'SUPPRESSED'], write: ['ACCOUNT', 'ACTIVATION'] },
    email: true,
    // Revoking an older activation ends no wait here: AwaitRegistration does (no Step Functions client to load).
    taskResponse: [],
  },
  {
    handler: 'await-registration',
    placeholder: 'AwaitRegistrationFunctionArn',
    // Parks the task token on the activation.
    table: { read: ['ACCOUNT', 'ACTIVATION'], write: ['ACTIVATION'] },
    email: false,
    // Answers the task itself when the activation ended before the token was parked, and fails
    // the task that waits for the activation IssueActivation revoked.
    taskResponse: ['SendTaskSuccess', 'SendTaskFailure'],
  },
  {
    handler: 'send-confirmation',
    placeholder: 'SendConfirmationFunctionArn',
    table: { read: ['ACCOUNT', 'ACTIVATION', 'USER', 'USERNAME', 'SUPPRESSED'], write: [] },
    email: true,
    taskResponse: [],
  },
  {
    handler: 'expire-activation',
    placeholder: 'ExpireActivationFunctionArn',
    // Marks the activation expired; audits.
    table: { read: ['ACCOUNT', 'ACTIVATION'], write: ['ACCOUNT', 'ACTIVATION'] },
    email: false,
    taskResponse: [],
  },
  {
    handler: 'record-failure',
    placeholder: 'RecordFailureFunctionArn',
    // Fails (or confirms) the delivery and the account's email log; audits. Sends nothing.
    table: { read: ['ACCOUNT', 'ACTIVATION', 'USER'], write: ['ACCOUNT', 'ACTIVATION'] },
    email: false,
    // Settling an email that may have arrived revokes the older activation: AwaitRegistration,
    // which follows, ends that one's wait.
    taskResponse: [],
  },
  {
    handler: 'send-recovery-email',
    placeholder: 'SendRecoveryEmailFunctionArn',
    // Reset links (RESET#, the login's USER#…/RESETS log), username reminders (RATE#), notices.
    table: { read: ['ACCOUNT', 'ACTIVATION', 'USER', 'USERNAME', 'SESSION', 'RESET', 'RATE', 'SUPPRESSED'], write: ['USER', 'RESET', 'RATE'] },
    email: true,
    taskResponse: [],
  },
];

/**
 * A step's Lambda timeout: above the Task state's `TimeoutSeconds` (45 s in the ASL), so that the
 * state's own timeout fires first and its retrier applies.
 */
const STEP_TIMEOUT = Duration.seconds(60);

export interface WorkflowProps {
  readonly data: Data;
  readonly email: Email;
}

/**
 * The registration workflow: a Standard state machine built from `registration.asl.json`, its
 * five functions, and the grants other functions need to start it or answer its callback task.
 *
 * Functions that answer the callback cannot reference the state machine's ARN attribute (the
 * state machine references their ARNs, a circular dependency): the state machine gets a name
 * derived from the stack, and those grants use an ARN built from that name.
 */
export class Workflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly stateMachineName: string;
  /** The state machine's ARN, built from its name rather than read from the resource. */
  readonly stateMachineArnForCallbacks: string;
  readonly functions: ServiceFunction[] = [];

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.stackName)) {
      throw new Error('Workflow needs a stack with a literal name to derive the state machine name from.');
    }
    this.stateMachineName = `${stack.stackName}-registration`;
    if (this.stateMachineName.length > 80) {
      throw new Error(`State machine name "${this.stateMachineName}" is longer than 80 characters: shorten the stack name.`);
    }
    this.stateMachineArnForCallbacks = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const substitutions: Record<string, string> = {};
    for (const step of STEPS) {
      const fn = new ServiceFunction(this, `${pascalCase(step.handler)}Function`, {
        entry: functionEntry('workflow', step.handler),
        description: `Registration workflow step: ${step.handler}`,
        timeout: STEP_TIMEOUT,
      });
      props.data.grantTable(fn, step.table);
      if (step.email) props.email.grantSend(fn);
      if (step.taskResponse.length > 0) this.grantTaskResponse(fn, step.taskResponse);
      substitutions[step.placeholder] = fn.function.functionArn;
      this.functions.push(fn);
    }

    const logGroup = new logs.LogGroup(this, 'Logs', {
      // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's log resource policy.
      logGroupName: `/aws/vendedlogs/states/${this.stateMachineName}`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'Registration workflow: invokes its five functions',
    });
    // The exact function ARNs the definition names; no `:*` versions or aliases are used.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: this.functions.map((fn) => fn.function.functionArn),
      }),
    );
    // Log delivery and X-Ray APIs have no resource-level permissions: they sit in a policy of their own.
    const deliveryPolicy = new iam.Policy(this, 'LogDeliveryAndTracingPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: [
            'logs:CreateLogDelivery',
            'logs:GetLogDelivery',
            'logs:UpdateLogDelivery',
            'logs:DeleteLogDelivery',
            'logs:ListLogDeliveries',
            'logs:PutResourcePolicy',
            'logs:DescribeResourcePolicies',
            'logs:DescribeLogGroups',
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
          resources: ['*'],
        }),
      ],
    });
    Validations.of(deliveryPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs vended-log delivery actions and X-Ray trace actions support no resource-level permissions; this policy holds only those.',
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: this.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(REGISTRATION_ASL_PATH),
      definitionSubstitutions: substitutions,
      // The state machine's own statements would land in the role's default policy: they are above.
      role: role.withoutPolicyUpdates(),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ERROR, includeExecutionData: false },
    });
    // Step Functions checks the log delivery permissions when it creates the state machine.
    this.stateMachine.node.addDependency(role, deliveryPolicy);
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-SF1',
      reason:
        'ERROR-level logging without execution data is deliberate: state inputs hold account numbers and activation ids (personal data); X-Ray traces and execution history cover the rest.',
    });
  }

  /** Lets a function start executions, and tells it which state machine (STATE_MACHINE_ARN). */
  grantStartExecution(fn: ServiceFunction): void {
    this.stateMachine.grantStartExecution(fn);
    fn.addEnvironment('STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
  }

  /**
   * Lets a function answer this state machine's callback tasks with the given actions. It gets
   * STATE_MACHINE_ARN too (the workflow adapter reads it at cold start), as the built ARN: the
   * state machine's own attribute would make the workflow's functions depend on it.
   */
  grantTaskResponse(fn: ServiceFunction, actions: readonly TaskResponseAction[]): void {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: actions.map((action) => `states:${action}`),
        resources: [this.stateMachineArnForCallbacks],
      }),
    );
    fn.addEnvironment('STATE_MACHINE_ARN', this.stateMachineArnForCallbacks);
  }
}

/** `issue-activation` → `IssueActivation`. */
export function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_match, _dash, char: string) => char.toUpperCase());
}
