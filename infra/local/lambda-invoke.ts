import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** A Lambda handler as the deployed functions export it. */
export type LambdaHandler = (event: any, context: Context) => Promise<any>;

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
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const cache = new Map<string, Promise<LambdaHandler>>();

/**
 * Loads a function's entry module once (like a cold start) and returns its `handler`. Modules
 * are imported lazily so that the environment the local stack sets is in place first.
 */
export function loadHandler(entry: string): Promise<LambdaHandler> {
  let loaded = cache.get(entry);
  if (!loaded) {
    loaded = import(entry).then((module) => (module.handler ?? module.default?.handler) as LambdaHandler);
    cache.set(entry, loaded);
  }
  return loaded;
}
