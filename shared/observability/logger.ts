import type { MiddlewareObj } from '@middy/core';
import type { InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';

/**
 * The service's structured logs: one JSON line per entry on stdout, which Lambda ships to
 * CloudWatch Logs. The keys are those of Powertools Logger, which this replaced (its 21 KiB was
 * 7 % of every function's bundle, docs/performance.md): `level`, `message`, `timestamp`,
 * `service`, the invocation's `function_*` keys and `cold_start`, `xray_trace_id`,
 * `correlation_id`, then the entry's own fields — what the runbooks' Logs Insights queries, the
 * local terminal view (infra/local/log-format.ts) and the tests read.
 *
 * Log codes, ids and counts only: never passwords, tokens, emails, postal codes, names or request
 * bodies.
 */

/** The levels, as Powertools and Lambda's log-level controls name them, lowest first. */
const LEVELS = { TRACE: 6, DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, CRITICAL: 24, SILENT: 28 } as const;
type LevelName = keyof typeof LEVELS;
type Attributes = Record<string, unknown>;

/** What every line of one invocation carries: its Lambda context and trace, and its correlation id once known. */
interface InvocationKeys {
  function_name?: string;
  function_arn?: string;
  function_memory_size?: number;
  function_request_id?: string;
  cold_start?: boolean;
  xray_trace_id?: string;
  correlation_id?: string;
}

// Where each invocation keeps its keys when one environment runs several at once (the local
// stack, or Lambda with AWS_LAMBDA_MAX_CONCURRENCY): the invoke store Lambda's runtime provides.
const KEYS_IN_STORE = Symbol('registration.log.keys');

function levelNamed(name: string | undefined): number | undefined {
  const upper = name?.trim().toUpperCase();
  return upper && upper in LEVELS ? LEVELS[upper as LevelName] : undefined;
}

/**
 * The least severe level printed: `POWERTOOLS_LOG_LEVEL`, else `LOG_LEVEL`, else INFO — and
 * never below `AWS_LAMBDA_LOG_LEVEL` (Lambda's own log-level control), whose lower lines
 * CloudWatch would drop anyway.
 */
function thresholdFromEnvironment(env: NodeJS.ProcessEnv): number {
  const chosen = levelNamed(env.POWERTOOLS_LOG_LEVEL) ?? levelNamed(env.LOG_LEVEL) ?? LEVELS.INFO;
  return Math.max(chosen, levelNamed(env.AWS_LAMBDA_LOG_LEVEL) ?? LEVELS.TRACE);
}

/** The root of X-Ray's trace header (`Root=1-…;Parent=…;Sampled=1`). */
function traceRoot(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const root = header.split(';').find((part) => part.startsWith('Root='));
  return root?.slice('Root='.length);
}

/** An error as a log field: its name, message and stack, and its cause's, never its other properties. */
function errorField(error: Error, depth = 0): Attributes {
  const cause = error.cause instanceof Error && depth < 3 ? errorField(error.cause, depth + 1) : undefined;
  return { name: error.name, message: error.message, stack: error.stack, ...(cause ? { cause } : {}) };
}

/** JSON of a value that JSON.stringify refuses (a BigInt, a cycle): its fields as strings. */
function safeJson(line: Attributes): string {
  try {
    return JSON.stringify(line);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(line, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'object' && value !== null) {
        if (seen.has(value)) return '[Circular]';
        seen.add(value);
      }
      return value;
    });
  }
}

/** One JSON line per entry at or above the threshold; see the module's description. */
export class Logger {
  private readonly threshold: number;
  /** The keys of the invocation under way, when only one runs at a time (Lambda's usual case). */
  private processKeys: InvocationKeys = {};
  private coldStart = true;
  /**
   * Whether invocations run concurrently here (AWS_LAMBDA_MAX_CONCURRENCY), read at the start of
   * each invocation rather than on every call: the local stack sets it after modules load, and an
   * environment variable is a slow read.
   */
  private concurrent = false;

  constructor(
    private readonly service: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.threshold = thresholdFromEnvironment(env);
  }

  debug(message: string, attributes?: Attributes | Error): void {
    this.print('DEBUG', message, attributes);
  }

  info(message: string, attributes?: Attributes | Error): void {
    this.print('INFO', message, attributes);
  }

  warn(message: string, attributes?: Attributes | Error): void {
    this.print('WARN', message, attributes);
  }

  error(message: string, attributes?: Attributes | Error): void {
    this.print('ERROR', message, attributes);
  }

  /**
   * Starts an invocation's keys afresh: its Lambda context and X-Ray trace (read once here: Lambda
   * sets the trace per invocation), no correlation id yet.
   */
  startInvocation(context: Context | undefined): void {
    this.concurrent = Boolean(process.env.AWS_LAMBDA_MAX_CONCURRENCY);
    const store = this.concurrentStore();
    const keys: InvocationKeys = {
      function_name: context?.functionName,
      function_arn: context?.invokedFunctionArn,
      function_memory_size: context?.memoryLimitInMB === undefined ? undefined : Number(context.memoryLimitInMB),
      function_request_id: context?.awsRequestId,
      cold_start: this.coldStart,
      xray_trace_id: store?.getXRayTraceId() ?? traceRoot(process.env._X_AMZN_TRACE_ID),
    };
    this.coldStart = false;
    if (store) store.set(KEYS_IN_STORE, keys);
    else this.processKeys = keys;
  }

  /** Puts `id` on every further line of the current invocation (`correlation_id`). */
  setCorrelationId(id: string): void {
    this.keys().correlation_id = id;
  }

  /** Takes the correlation id off the current invocation's further lines. */
  removeCorrelationId(): void {
    delete this.keys().correlation_id;
  }

  /** The current invocation's correlation id, if any. */
  getCorrelationId(): string | undefined {
    return this.keys().correlation_id;
  }

  /** The invoke store of an environment running invocations concurrently, while one is under way. */
  private concurrentStore(): InvokeStoreBase | undefined {
    if (!this.concurrent) return undefined;
    const store = globalThis.awslambda?.InvokeStore;
    return store?.hasContext() ? store : undefined;
  }

  /**
   * The current invocation's keys. With invocations running concurrently, code outside any of
   * them gets keys of its own, so that nothing it sets leaks into an invocation's lines.
   */
  private keys(): InvocationKeys {
    if (!this.concurrent) return this.processKeys;
    const store = this.concurrentStore();
    if (!store) return {};
    let keys = store.get<InvocationKeys>(KEYS_IN_STORE);
    if (!keys) store.set(KEYS_IN_STORE, (keys = {}));
    return keys;
  }

  private print(level: LevelName, message: string, attributes: Attributes | Error | undefined): void {
    if (LEVELS[level] < this.threshold) return;
    const own = attributes instanceof Error ? { error: errorField(attributes) } : attributes;
    const line = {
      level,
      message,
      timestamp: new Date().toISOString(),
      service: this.service,
      ...this.keys(),
      ...own,
    };
    try {
      // process.stdout.write itself, looked up each time: the local stack's terminal view and the
      // tests replace it. Not `console`, which Lambda prefixes with text CloudWatch would not parse.
      process.stdout.write(`${safeJson(line)}\n`);
    } catch {
      // Logging never fails the work it describes.
    }
  }
}

/** The service's logger (`POWERTOOLS_SERVICE_NAME`, set on every function by the CDK app). */
export const logger = new Logger(process.env.POWERTOOLS_SERVICE_NAME || 'registration');

/**
 * Middy middleware, first in every stack: each invocation's lines carry its Lambda context and
 * nothing set during the previous one (its correlation id).
 */
export function logInvocation(log: Logger = logger): MiddlewareObj {
  return {
    before: async (request) => {
      log.startInvocation(request.context as Context | undefined);
    },
  };
}
