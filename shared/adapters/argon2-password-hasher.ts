import { randomBytes, timingSafeEqual } from 'node:crypto';
import { argon2id } from 'hash-wasm';
import type { PasswordHasher } from '../domain/ports';

/** OWASP's argon2id baseline: 19 MiB, two passes, one lane. */
export const ARGON2_PARAMETERS = { memorySize: 19_456, iterations: 2, parallelism: 1, hashLength: 32 } as const;

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/**
 * argon2id (WebAssembly, so it bundles with esbuild for any Lambda architecture), stored as a
 * PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash` so parameters can be raised later: old
 * hashes keep verifying with the parameters they name.
 */
export class Argon2PasswordHasher implements PasswordHasher {
  constructor(private readonly parameters = ARGON2_PARAMETERS) {}

  async hash(password: string): Promise<string> {
    await requestsSentFirst();
    return argon2id({ ...this.parameters, password: password.normalize('NFC'), salt: randomBytes(16), outputType: 'encoded' });
  }

  async verify(password: string, encoded: string): Promise<boolean> {
    const match = PHC.exec(encoded);
    if (!match) return false;
    const [, memorySize, iterations, parallelism, salt, hash] = match;
    const expected = Buffer.from(hash!, 'base64');
    await requestsSentFirst();
    const actual = await argon2id({
      password: password.normalize('NFC'),
      salt: Buffer.from(salt!, 'base64'),
      memorySize: Number(memorySize),
      iterations: Number(iterations),
      parallelism: Number(parallelism),
      hashLength: expected.length,
      outputType: 'binary',
    });
    return timingSafeEqual(Buffer.from(actual), expected);
  }
}

/**
 * The hash holds the event loop for its whole run (~50–100 ms of WebAssembly). Waiting one turn
 * first lets the requests started beside it (SDK calls resolve several promises before their
 * bytes reach a socket) leave now, so that they are answered while it runs rather than after.
 */
function requestsSentFirst(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
