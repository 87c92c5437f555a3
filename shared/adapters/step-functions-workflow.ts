import {
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { ActivationRequest, RecoveryEmailRequest, RecoveryWorkflow, Workflow } from '../domain/ports';
import { currentCorrelationId } from '../observability/correlation';

/**
 * The registration workflow on Step Functions (AWS, or the local engine behind the same API).
 * Each execution's input carries the correlation id of the request that started it
 * (`correlationId`); the state machine hands it to every task.
 */
export class StepFunctionsWorkflow implements Workflow, RecoveryWorkflow {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async startActivation(input: ActivationRequest) {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          // The activation id names the execution: starting it twice starts it once.
          name: input.activationId,
          input: JSON.stringify({ kind: 'activation', ...input, ...correlation() }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  async startConfirmation(input: { accountNumber: string; userId: string }) {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          // One confirmation per login, even if the caller retries.
          name: `confirm-${input.userId}`,
          input: JSON.stringify({ kind: 'confirmation', ...input, ...correlation() }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  async startRecoveryEmail(input: RecoveryEmailRequest) {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          // The request id names the execution: starting it twice sends once.
          name: `${input.kind}-${input.requestId}`,
          input: JSON.stringify({ ...input, ...correlation() }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  async completeRegistration(taskToken: string, output: { userId: string }) {
    await ignoreEndedTask(() =>
      this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
    );
  }

  async abandon(taskToken: string, reason: 'ActivationRevoked' | 'ActivationExpired') {
    await ignoreEndedTask(() => this.client.send(new SendTaskFailureCommand({ taskToken, error: reason })));
  }
}

/** The current invocation's correlation id, as an execution input field (none outside an invocation). */
function correlation(): { correlationId?: string } {
  const correlationId = currentCorrelationId();
  return correlationId ? { correlationId } : {};
}

/** A task that already ended (timed out, or resumed by the other party of a race) needs nothing more. */
async function ignoreEndedTask(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (error instanceof TaskDoesNotExist || error instanceof TaskTimedOut) return;
    throw error;
  }
}
