import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PasswordHasher } from '../domain/ports';

/** OWASP's argon2id baseline: 19 MiB, two passes, one lane. */
export const ARGON2_PARAMETERS = { memorySize: 19_456, iterations: 2, parallelism: 1, hashLength: 32 } as const;

/** The hashing thread's file name: beside the function's code on Lambda, in this folder locally. */
export const PASSWORD_THREAD_FILE = 'argon2-thread.mjs';

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/**
 * argon2id (hash-wasm's WebAssembly, so it bundles for any Lambda architecture), stored as a PHC
 * string `$argon2id$v=19$m=…,t=…,p=…$salt$hash` so parameters can be raised later: old hashes
 * keep verifying with the parameters they name.
 *
 * The hashing runs in a thread of its own (`argon2-thread.mjs`), started at the first hash:
 * - the event loop stays free for the ~60–80 ms a hash takes, so the requests sent beside it are
 *   answered meanwhile, and in the local stack, which serves every function in one process, so is
 *   everything else;
 * - each hash allocates a fresh 19 MiB WebAssembly memory, which V8 answers with a full garbage
 *   collection of the heap it is charged to. In the thread's small heap that costs about nothing;
 *   in the function's it cost 5–10 ms a registration on Lambda, and 25–50 ms in the local
 *   stack, whose heap holds every function (docs/performance.md §3).
 */
export class Argon2PasswordHasher implements PasswordHasher {
  constructor(
    private readonly parameters = ARGON2_PARAMETERS,
    private readonly thread = sharedThread(),
  ) {}

  async hash(password: string): Promise<string> {
    const options = { ...this.parameters, password: password.normalize('NFC'), salt: randomBytes(16), outputType: 'encoded' };
    return (await this.thread.run(options)) as string;
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const match = PHC.exec(encoded);
    if (!match) return false;
    const [, memorySize, iterations, parallelism, salt, hash] = match;
    const expected = Buffer.from(hash!, 'base64');
    const actual = (await this.thread.run({
      password: password.normalize('NFC'),
      salt: Buffer.from(salt!, 'base64'),
      memorySize: Number(memorySize),
      iterations: Number(iterations),
      parallelism: Number(parallelism),
      hashLength: expected.length,
      outputType: 'binary',
    })) as Uint8Array;
    return timingSafeEqual(Buffer.from(actual), expected);
  }
}

/**
 * Where the thread's code is: beside the bundle on Lambda (`LAMBDA_TASK_ROOT`, the CDK's
 * `afterBundling` puts it there), else beside this file in the source tree (tsx, Jest).
 */
function passwordThreadFile(): string {
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  if (taskRoot) return path.join(taskRoot, PASSWORD_THREAD_FILE);
  if (typeof __dirname === 'string') return path.join(__dirname, PASSWORD_THREAD_FILE);
  throw new Error(`${PASSWORD_THREAD_FILE}: no LAMBDA_TASK_ROOT to find it beside the bundle`);
}

type Answer = { id: number; result?: string | Uint8Array; error?: string };

/**
 * One worker thread hashing one request after another (one at a time is what argon2id with one
 * lane can use of a thread). It holds the process open only while a hash is under way, and a
 * thread that fails or exits fails what it was doing and is started anew at the next request.
 */
export class HashingThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: (value: string | Uint8Array) => void; reject: (error: Error) => void }>();
  private nextId = 0;

  run(options: Record<string, unknown>): Promise<string | Uint8Array> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, options });
    });
  }

  /** Stops the thread (what it was doing fails); the next request starts another. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    // No inherited flags: the parent's (a test runner's, tsx's) are not meant for this file.
    const worker = new Worker(passwordThreadFile(), { execArgv: [] });
    worker.unref();
    worker.on('message', ({ id, result, error }: Answer) => {
      const request = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      if (error !== undefined || result === undefined) request?.reject(new Error(`argon2id: ${error ?? 'no result'}`));
      else request?.resolve(result);
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const request of this.pending.values()) request.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`argon2id thread exited (${code})`)));
    return worker;
  }
}

let shared: HashingThread | undefined;
/** The process's hashing thread, shared by every hasher (a function has one; the local stack, several). */
function sharedThread(): HashingThread {
  return (shared ??= new HashingThread());
}
