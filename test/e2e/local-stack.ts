import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** `npm start` as a user runs it (PORT=0 picks a free port), for end-to-end tests over HTTP. */
export interface RunningService {
  url: string;
  agentKey: string;
  /** Everything the stack printed so far (stdout and stderr, interleaved), never echoed by the tests. */
  output(): string;
  stop(): Promise<void>;
}

export async function startService(env: Record<string, string> = {}): Promise<RunningService> {
  const child: ChildProcess = spawn('npx', ['tsx', 'infra/local/main.ts'], {
    cwd: path.resolve(__dirname, '../..'),
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stderr?.on('data', (chunk) => (output += chunk));
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local stack not ready in 60 s:\n${output}`)), 60_000);
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      if (/Ready in/.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local stack exited (${code}):\n${output}`));
    });
  });
  const url = /API\s+(http:\/\/localhost:\d+)/.exec(ready)![1]!;
  const agentKey = /x-agent-key: (\S+)/.exec(ready)![1]!;
  return {
    url,
    agentKey,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(-child.pid!, 'SIGTERM');
      }),
  };
}

export type Json = Record<string, any>;

/** A JSON call to the running service: status, headers and parsed body. */
export function jsonClient(url: () => string) {
  return async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${url()}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as Json };
  };
}
