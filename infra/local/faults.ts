import { randomUUID } from 'node:crypto';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as ses from '@aws-sdk/client-ses';
import * as sfn from '@aws-sdk/client-sfn';
import type { DeserializeMiddleware, MetadataBearer, ResponseMetadata } from '@smithy/types';
import { ValidationError } from '../../shared/domain/errors';
import { errorBody } from '../../shared/http/error-body';

/**
 * Fault injection for the local stack (`POST /__dev/faults`, local only): the next `count` calls
 * of the shared SDK clients fail as AWS would make them fail, so that the failure paths can be
 * seen and tested from outside.
 *
 * The errors are thrown by an SDK middleware in the `deserialize` step, below the `retryMiddleware`
 * (`finalizeRequest` step): every attempt of the SDK's own retries passes through it, so a fault
 * with a small count is absorbed by the SDK's retries exactly as real throttling would be, and
 * only a larger one reaches the caller.
 */

export type FaultTarget = 'ses' | 'dynamodb' | 'stepfunctions';

const MODES = {
  ses: ['throttle', 'reject', 'timeout-after-accept'],
  dynamodb: ['throttle'],
  stepfunctions: ['throttle'],
} as const satisfies Record<FaultTarget, readonly string[]>;

type FaultMode = (typeof MODES)[FaultTarget][number];

const TARGETS = Object.keys(MODES) as FaultTarget[];
const MAX_COUNT = 1_000_000;
const MIDDLEWARE_NAME = 'localFaultInjection';

/** The operations (`XxxCommand` → `Xxx`) a client package offers. */
function operationsOf(pkg: Record<string, unknown>): Set<string> {
  return new Set(
    Object.entries(pkg)
      .filter(([name, value]) => typeof value === 'function' && /^[A-Z]\w*Command$/.test(name))
      .map(([name]) => name.slice(0, -'Command'.length)),
  );
}

const OPERATIONS: Record<FaultTarget, Set<string>> = {
  // SES faults apply to sends only: a template lookup or a quota check is never failed.
  ses: new Set(['SendEmail', 'SendRawEmail']),
  dynamodb: operationsOf(dynamodb),
  stepfunctions: operationsOf(sfn),
};
/** Targets whose faults may be narrowed to one operation. */
const NARROWABLE: ReadonlySet<FaultTarget> = new Set(['dynamodb', 'stepfunctions']);

export interface FaultSpec {
  mode: FaultMode;
  count: number;
  /** Only this operation (e.g. `TransactWriteItems`); every operation of the target when absent. */
  operation?: string;
}

/** What `GET`/`POST /__dev/faults` answer for one target: `count` is what remains to inject. */
export interface FaultState {
  mode: FaultMode;
  count: number;
  /** Faults injected so far since this one was armed. */
  injected: number;
  operation: string | null;
}

export type FaultsState = Record<FaultTarget, FaultState | null>;

export interface FaultProblem {
  field: string;
  code: string;
  message: string;
}

/** The armed faults of one local stack. */
export class LocalFaults {
  private armed: FaultsState = { ses: null, dynamodb: null, stepfunctions: null };
  /** Told each time a target starts or stops having faults left to inject (see installFaults). */
  private onChange?: (target: FaultTarget, active: boolean) => void;

  /** Whether `target` has faults left to inject. */
  isActive(target: FaultTarget): boolean {
    return (this.armed[target]?.count ?? 0) > 0;
  }

  /** Calls `listener` whenever a target becomes active or inactive (one listener; undefined removes it). */
  watch(listener: ((target: FaultTarget, active: boolean) => void) | undefined): void {
    this.onChange = listener;
  }

  state(): FaultsState {
    return {
      ses: this.armed.ses && { ...this.armed.ses },
      dynamodb: this.armed.dynamodb && { ...this.armed.dynamodb },
      stepfunctions: this.armed.stepfunctions && { ...this.armed.stepfunctions },
    };
  }

  /** Arms (a spec) or clears (null) the given targets; the others stay as they are. */
  set(changes: Partial<Record<FaultTarget, FaultSpec | null>>): FaultsState {
    for (const target of TARGETS) {
      if (!(target in changes)) continue;
      const spec = changes[target];
      this.armed[target] = spec ? { mode: spec.mode, count: spec.count, injected: 0, operation: spec.operation ?? null } : null;
      this.onChange?.(target, this.isActive(target));
    }
    return this.state();
  }

  reset(): void {
    this.armed = { ses: null, dynamodb: null, stepfunctions: null };
    for (const target of TARGETS) this.onChange?.(target, false);
  }

  /**
   * Takes one fault for a call of `commandName` (`SendEmailCommand`…), if one is armed for it.
   * Synchronous, so concurrent calls never take the same fault twice.
   */
  take(target: FaultTarget, commandName: string | undefined): FaultMode | undefined {
    const fault = this.armed[target];
    if (!fault || fault.count <= 0) return undefined;
    const operation = commandName?.replace(/Command$/, '');
    if (!operation) return undefined;
    // SES: sends only; the others: the named operation, or every operation when none is named.
    const applies = fault.operation ? operation === fault.operation : target !== 'ses' || OPERATIONS.ses.has(operation);
    if (!applies) return undefined;
    fault.count -= 1;
    fault.injected += 1;
    if (fault.count === 0) this.onChange?.(target, false);
    return fault.mode;
  }
}

/**
 * Checks a `POST /__dev/faults` body: `{"ses"?: {mode, count} | null, "dynamodb"?: {mode, count,
 * operation?} | null, "stepfunctions"?: …}`, at least one key. Every problem is reported at once.
 */
export function parseFaultRequest(
  body: unknown,
): { ok: true; changes: Partial<Record<FaultTarget, FaultSpec | null>> } | { ok: false; problems: FaultProblem[] } {
  const problems: FaultProblem[] = [];
  const targetsText = TARGETS.join(', ');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, problems: [{ field: 'body', code: 'FAULTS_BODY_INVALID', message: `The body must be a JSON object with ${targetsText}.` }] };
  }
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length === 0) {
    problems.push({ field: 'body', code: 'FAULT_TARGET_REQUIRED', message: `Give at least one of ${targetsText}: an object to arm it, null to clear it.` });
  }
  const changes: Partial<Record<FaultTarget, FaultSpec | null>> = {};
  for (const [key, value] of entries) {
    if (!(TARGETS as string[]).includes(key)) {
      problems.push({ field: key, code: 'FAULT_TARGET_UNKNOWN', message: `Unknown fault target; use ${targetsText}.` });
      continue;
    }
    const target = key as FaultTarget;
    if (value === null) {
      changes[target] = null;
      continue;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push({ field: target, code: 'FAULT_INVALID', message: 'Must be an object {"mode", "count"} to arm, or null to clear.' });
      continue;
    }
    const spec = value as Record<string, unknown>;
    const before = problems.length;
    const allowed = NARROWABLE.has(target) ? ['mode', 'count', 'operation'] : ['mode', 'count'];
    for (const property of Object.keys(spec).filter((p) => !allowed.includes(p))) {
      problems.push({
        field: `${target}.${property}`,
        code: 'FAULT_PROPERTY_UNKNOWN',
        message: target === 'ses' && property === 'operation'
          ? 'SES faults always apply to SendEmail and SendRawEmail; operation is not accepted.'
          : `Unknown property; use ${allowed.join(', ')}.`,
      });
    }
    const modes: readonly string[] = MODES[target];
    if (typeof spec.mode !== 'string' || !modes.includes(spec.mode)) {
      problems.push({ field: `${target}.mode`, code: 'FAULT_MODE_INVALID', message: `mode must be one of: ${modes.join(', ')}.` });
    }
    if (typeof spec.count !== 'number' || !Number.isInteger(spec.count) || spec.count < 1 || spec.count > MAX_COUNT) {
      problems.push({ field: `${target}.count`, code: 'FAULT_COUNT_INVALID', message: `count must be a whole number from 1 to ${MAX_COUNT}.` });
    }
    let operation: string | undefined;
    if (NARROWABLE.has(target) && spec.operation !== undefined && spec.operation !== null) {
      operation = typeof spec.operation === 'string' ? spec.operation.replace(/Command$/, '') : undefined;
      if (!operation || !OPERATIONS[target].has(operation)) {
        problems.push({
          field: `${target}.operation`,
          code: 'FAULT_OPERATION_INVALID',
          message: `operation must name an operation of the ${target} API, e.g. ${target === 'dynamodb' ? 'TransactWriteItems' : 'SendTaskSuccess'}.`,
        });
      }
    }
    if (problems.length === before) changes[target] = { mode: spec.mode as FaultMode, count: spec.count as number, ...(operation ? { operation } : {}) };
  }
  return problems.length ? { ok: false, problems } : { ok: true, changes };
}

/** The spec's `VALIDATION_FAILED` body, with the fault route's own field problems. */
export function faultValidationBody(problems: FaultProblem[]) {
  const body = errorBody(new ValidationError([]), 'en');
  return { error: { ...body.error, fields: problems } };
}

// ---- the errors, shaped as the SDK's deserializers make them -----------------------------------

function metadata(): ResponseMetadata {
  return { httpStatusCode: 400, requestId: `local-fault-${randomUUID()}` };
}

function faultError(target: FaultTarget, mode: FaultMode): Error {
  if (target === 'ses' && mode === 'reject') {
    // SES's permanent refusal of a message: never retried, by the SDK or the workflow.
    return new ses.MessageRejected({ $metadata: metadata(), message: 'Message rejected (local fault injection).' });
  }
  if (target === 'ses') {
    return new ses.SESServiceException({ name: 'Throttling', $fault: 'client', $metadata: metadata(), message: 'Maximum sending rate exceeded.' });
  }
  if (target === 'dynamodb') {
    return Object.assign(
      new dynamodb.ProvisionedThroughputExceededException({
        $metadata: metadata(),
        message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
      }),
      { $retryable: { throttling: true } },
    );
  }
  return Object.assign(
    new sfn.SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: metadata(), message: 'Rate exceeded' }),
    { $retryable: { throttling: true } },
  );
}

/** What the SDK's request timeout throws: the caller cannot tell whether SES took the message. */
function timeoutError(): Error {
  return Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' });
}

function faultMiddleware(faults: LocalFaults, target: FaultTarget): DeserializeMiddleware<object, MetadataBearer> {
  return (next, context) => async (args) => {
    const mode = faults.take(target, context.commandName);
    if (!mode) return next(args);
    if (mode === 'timeout-after-accept') {
      await next(args); // SES really takes the message…
      throw timeoutError(); // …and the caller hears a timeout.
    }
    throw faultError(target, mode);
  };
}

interface StackOwner {
  middlewareStack: {
    add(middleware: DeserializeMiddleware<any, any>, options: { step: 'deserialize'; name: string; priority: 'high'; override: boolean; tags: string[] }): void;
    remove(toRemove: string): boolean;
  };
}

/**
 * Puts the fault middleware on a shared client while its target has faults armed, and takes it
 * off once they are all injected or cleared: the rest of the time the clients carry nothing of
 * fault injection, as deployed (each middleware costs every SDK call, the stack being sorted
 * again on each). A call already under way when a fault is armed keeps the middleware list it
 * started with, so faults reach the calls sent after arming. Once per local stack; the returned
 * function disarms everything and removes the middleware.
 *
 * Position: `deserialize` step, priority `high`, i.e. after `retryMiddleware` and
 * `httpSigningMiddleware` (`finalizeRequest`) and around `deserializerMiddleware`: each attempt
 * of the SDK's retries meets the fault, and `timeout-after-accept` sees a fully parsed response.
 */
export function installFaults(faults: LocalFaults, clients: Record<FaultTarget, StackOwner>): () => void {
  const place = (target: FaultTarget, active: boolean) => {
    const stack = clients[target].middlewareStack;
    stack.remove(MIDDLEWARE_NAME);
    if (!active) return;
    stack.add(faultMiddleware(faults, target), { step: 'deserialize', name: MIDDLEWARE_NAME, priority: 'high', override: true, tags: ['LOCAL_FAULTS'] });
  };
  for (const target of TARGETS) place(target, faults.isActive(target));
  faults.watch(place);
  return () => {
    faults.watch(undefined);
    faults.reset();
    for (const target of TARGETS) clients[target].middlewareStack.remove(MIDDLEWARE_NAME);
  };
}
