import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';

/** A Lambda handler as the deployed functions export it. */
export type LambdaHandler = (event: any, context: Context) => Promise<any>;

// What every local invocation's context answers: made once, not per invocation.
const remainingTime = () => 30_000;
const ignored = () => undefined;

/** The context object Lambda passes to a handler, for in-process invocations. */
export function localContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:ca-central-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: remainingTime,
    done: ignored,
    fail: ignored,
    succeed: ignored,
  };
}

/** Each entry module, by path: the promise of its handler, and the handler once it is there. */
const modules = new Map<string, { loading: Promise<LambdaHandler>; handler?: LambdaHandler }>();

/**
 * Loads a function's entry module once (like a cold start) and returns its `handler`. Modules
 * are imported lazily so that the environment the local stack sets is in place first.
 */
export function loadHandler(entry: string): Promise<LambdaHandler> {
  let module = modules.get(entry);
  if (!module) {
    const loading = import(entry).then((loaded) => (module!.handler = (loaded.handler ?? loaded.default?.handler) as LambdaHandler));
    modules.set(entry, (module = { loading }));
  }
  return module.loading;
}

/**
 * Lambda's invoke store for environments that run invocations concurrently: one context per
 * invocation (AsyncLocalStorage). The store's own implementation loads `async_hooks` with a
 * dynamic `import()`, which Jest's module sandbox refuses; this one is the same in a few lines.
 */
class LocalInvokeStore extends InvokeStoreBase {
  private readonly storage = new AsyncLocalStorage<Record<string | symbol, unknown>>();
  getContext() {
    return this.storage.getStore();
  }
  hasContext() {
    return this.storage.getStore() !== undefined;
  }
  get<T = unknown>(key: string | symbol): T | undefined {
    return this.storage.getStore()?.[key] as T | undefined;
  }
  set<T = unknown>(key: string | symbol, value: T): void {
    if (this.isProtectedKey(key)) throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    const context = this.storage.getStore();
    if (!context) throw new Error('No context available');
    context[key] = value;
  }
  run<T>(context: Record<string | symbol, unknown>, fn: () => T): T {
    return this.storage.run(context, fn);
  }
}

let invokeStore: LocalInvokeStore | undefined;

/**
 * Every local function shares one process and one logger, and their invocations overlap (the API
 * answers while the workflow runs). This gives each invocation its own log keys (the correlation
 * id), the way Lambda does when one environment runs invocations concurrently: the logger
 * (shared/observability/logger.ts) keeps them in the invoke store (`globalThis.awslambda`) when
 * AWS_LAMBDA_MAX_CONCURRENCY is set. The SDK reads that store too (trace ids) and keeps the
 * first one it gets, made here before the variable is set. Returns what undoes it all.
 */
export async function isolateConcurrentInvocations(): Promise<() => void> {
  const previousVariable = process.env.AWS_LAMBDA_MAX_CONCURRENCY;
  // Without the variable, the store the SDK caches is a plain one (no dynamic import).
  if (previousVariable === undefined) await InvokeStore.getInstanceAsync();
  const lambda = ((globalThis as { awslambda?: { InvokeStore?: InvokeStoreBase } }).awslambda ??= {});
  const previousStore = lambda.InvokeStore;
  invokeStore = new LocalInvokeStore();
  lambda.InvokeStore = invokeStore;
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '64';
  return () => {
    if (previousVariable === undefined) delete process.env.AWS_LAMBDA_MAX_CONCURRENCY;
    lambda.InvokeStore = previousStore;
    invokeStore = undefined;
  };
}

/** Invokes a function's handler in this process, as Lambda would: a fresh context, its own invocation scope. */
export async function invokeLocally(entry: string, functionName: string, event: unknown): Promise<any> {
  // A loaded handler is called at once, without waiting on its module's promise again.
  const handler = modules.get(entry)?.handler ?? (await loadHandler(entry));
  const context = localContext(functionName);
  if (!invokeStore) return handler(event, context);
  return invokeStore.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId }, () => handler(event, context));
}
