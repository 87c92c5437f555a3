// The password hashing thread (see argon2-password-hasher.ts): argon2id off the event loop, in a
// heap of its own. Plain JavaScript because a worker thread is started from a file Node runs as
// is: from the source tree locally and in tests, bundled beside each function's code on Lambda
// (infra/constructs/service-function.ts, `passwordThreadCommand`).
import { parentPort } from 'node:worker_threads';
import { argon2id } from 'hash-wasm';

/** One request: `{ id, options }` (hash-wasm's argon2id options); one answer: `{ id, result }` or `{ id, error }`. */
parentPort.on('message', async ({ id, options }) => {
  try {
    const result = await argon2id(options);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
