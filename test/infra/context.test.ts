import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { checkHttpsUrl, InvalidContextError, readAppSettings } from '../../infra/context';

const ROOT = path.resolve(__dirname, '../..');
const cdkJsonContext = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
const settingsOf = (context: Record<string, unknown>) => readAppSettings(new App({ context: { ...cdkJsonContext, ...context } }));

describe('CDK context', () => {
  it('reads both stacks’ settings from cdk.json', () => {
    expect(settingsOf({})).toMatchObject({
      registration: { portalUrl: 'https://portal.example.com', portalOrigin: 'https://portal.example.com' },
      portal: { apiUrl: expect.stringMatching(/^https:\/\//) },
    });
  });

  it('lists every problem of every stack at once, a shared value once', () => {
    const error = (() => {
      try {
        settingsOf({ portalUrl: 'http://portal.example.com/?lang=fr', apiUrl: 'ftp://api', customerServicePhone: 'call us', senderEmail: 'nobody' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidContextError);
    expect((error as InvalidContextError).problems).toEqual([
      '"portalUrl" must use https (http only for localhost) (got "http://portal.example.com/?lang=fr")',
      '"portalUrl" must have no query (got "http://portal.example.com/?lang=fr")',
      '"senderEmail" is not an email address (got "nobody")',
      '"customerServicePhone" must be a phone number of digits, spaces, "+", "-", "(", ")" or "." (got "call us")',
      '"apiUrl" must use https (got "ftp://api")',
    ]);
  });

  it('refuses an empty query or fragment, which URL drops', () => {
    expect(checkHttpsUrl('portalUrl', 'https://portal.example.com/?', { allowLocalHttp: true }).problems).toEqual(['"portalUrl" must have no query (got "https://portal.example.com/?")']);
    expect(checkHttpsUrl('portalUrl', 'https://portal.example.com/#', { allowLocalHttp: true }).problems).toEqual(['"portalUrl" must have no fragment (got "https://portal.example.com/#")']);
    expect(checkHttpsUrl('portalUrl', 'http://localhost:3000/', { allowLocalHttp: true })).toEqual({ problems: [], url: 'http://localhost:3000', origin: 'http://localhost:3000' });
  });

  it('stops the app with the message and status 1, without a stack trace', async () => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'infra/app.ts'], {
      cwd: ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext, portalUrl: 'https://portal.example.com/?x=1' }), CDK_OUTDIR: path.join(ROOT, 'cdk.out', 'context-test') },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(output.trim()).toBe(
      'Invalid CDK context: "portalUrl" must have no query (got "https://portal.example.com/?x=1"). Set values with -c key=value or in cdk.json "context" (see README).',
    );
  });
});
