import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as ses from '@aws-sdk/client-ses';
import * as sfn from '@aws-sdk/client-sfn';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { build, type BuildOptions } from 'esbuild';
import { PROJECT_ROOT, esbuildOptionsFor, functionEntry } from '../../infra/constructs/service-function';
import { REGISTRATION_ASL_PATH } from '../../infra/constructs/workflow';
import { holderAccount } from '../fixtures/accounts';

/**
 * Error names once bundled as deployed (`esbuildOptionsFor`, the options the CDK bundles with):
 * minifying renames classes (names are not kept), and `error.name` is what logs show and what the
 * state machine's Retry and Catch match, so every error class names itself.
 */

type Exports = Record<string, any>;

async function bundle(options: BuildOptions): Promise<string> {
  const result = await build({ ...options, outfile: 'index.js', write: false, logLevel: 'silent' });
  // The source map is written beside the code (`.map`): the code is the other file.
  return result.outputFiles.find((file) => !file.path.endsWith('.map'))!.text;
}

/** Evaluates a CommonJS bundle as Lambda loads it; `stubs` replace modules the runtime provides. */
function evaluate(code: string, stubs: Record<string, unknown> = {}): Exports {
  const load = createRequire(path.join(PROJECT_ROOT, 'package.json'));
  const module = { exports: {} as Exports };
  const requireStubbed = (id: string) => (id in stubs ? stubs[id] : load(id));
  new Function('module', 'exports', 'require', '__filename', '__dirname', code)(module, module.exports, requireStubbed, '/var/task/index.js', '/var/task');
  return module.exports;
}

/**
 * The deployed options, but CommonJS with the SDK left out, so that `evaluate` can load the bundle
 * and stand in for the SDK (minifying is the same in either format).
 */
const EVALUABLE = { awsSdk: 'external', format: 'cjs' } as const;

const ERROR_CLASS = /export class (\w+) extends \w*Error\b/g;

/** Every file under `shared/` that declares error classes, with their names. */
function errorModules(): { file: string; classes: string[] }[] {
  const root = path.join(PROJECT_ROOT, 'shared');
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => ({
      file: `./shared/${file.split(path.sep).join('/')}`,
      classes: [...readFileSync(path.join(root, file), 'utf8').matchAll(ERROR_CLASS)].map((match) => match[1]!),
    }))
    .filter((module) => module.classes.length > 0);
}

/** The error names the state machine's Retry and Catch match, other than the States./Lambda. ones. */
function workflowErrorNames(): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'ErrorEquals') for (const name of value as string[]) if (!/^(States|Lambda|Sandbox)\./.test(name)) names.add(name);
        visit(value);
      }
    }
  };
  visit(JSON.parse(readFileSync(REGISTRATION_ASL_PATH, 'utf8')));
  return names;
}

const context = { functionName: 'bundled', awsRequestId: 'request-1', invokedFunctionArn: 'arn:aws:lambda:ca-central-1:000000000000:function:bundled' } as Context;
const savedEnv = { ...process.env };

beforeAll(() => {
  Object.assign(process.env, {
    TABLE_NAME: 'table',
    STATE_MACHINE_ARN: 'arn:aws:states:ca-central-1:000000000000:stateMachine:registration',
    PORTAL_URL: 'https://portal.example.com',
    SENDER_EMAIL: 'no-reply@example.com',
    CUSTOMER_SERVICE_PHONE: '1 800 555-0100',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
});
afterAll(() => {
  process.env = savedEnv;
});

describe('error names in bundles built as deployed', () => {
  let errorClasses: [string, new () => Error][];
  const modules = errorModules();

  beforeAll(async () => {
    const { entryPoints: _entry, ...options } = esbuildOptionsFor(functionEntry('api', 'health'), EVALUABLE);
    const code = await bundle({
      ...options,
      stdin: { contents: modules.map(({ file }, i) => `export * as m${i} from '${file}';`).join('\n'), resolveDir: PROJECT_ROOT, loader: 'ts' },
    });
    const namespaces = Object.values(evaluate(code)) as Exports[];
    errorClasses = namespaces.flatMap((namespace) =>
      Object.entries(namespace).filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error),
    );
  });

  it('gives every error class its own name, minified as deployed', () => {
    expect(errorClasses.map(([name]) => name).sort()).toEqual(modules.flatMap(({ classes }) => classes).sort());
    expect(errorClasses.map(([name]) => name)).toEqual(expect.arrayContaining(['ValidationError', 'BusyError', 'EmailDeliveryDeferred', 'ActivationExpiredError']));
    for (const [exported, ErrorClass] of errorClasses) expect({ exported, name: new ErrorClass().name }).toEqual({ exported, name: exported });
    // Minified without kept names: the classes themselves are renamed, so only `name` can tell them.
    expect(errorClasses.filter(([exported, ErrorClass]) => ErrorClass.name !== exported).length).toBeGreaterThan(errorClasses.length / 2);
  });

  it('throws every error the state machine matches by that name, or sends it as a callback failure', () => {
    const thrown = new Set(errorClasses.map(([name]) => name));
    const matched = [...workflowErrorNames()];
    expect(matched.filter((name) => thrown.has(name)).sort()).toEqual(['BusyError', 'EmailDeliveryDeferred']);
    // The rest are the `error` of SendTaskFailure (`Workflow.abandon`): strings, not class names.
    expect(matched.filter((name) => !thrown.has(name)).sort()).toEqual(['ActivationExpired', 'ActivationRevoked']);
  });

  it('throws EmailDeliveryDeferred by that name from the bundled IssueActivation function when SES throttles', async () => {
    const code = await bundle(esbuildOptionsFor(functionEntry('workflow', 'issue-activation'), EVALUABLE));
    const sent: string[] = [];
    // The AWS SDK is the Lambda runtime's (external to the bundle): stand-ins answer as AWS would.
    class DynamoDBClient {
      async send(command: { constructor: { name: string }; input: { Key?: Record<string, unknown> } }) {
        sent.push(command.constructor.name);
        if (command instanceof dynamodb.GetItemCommand && (command.input.Key as { sk?: { S?: string } } | undefined)?.sk?.S === 'PROFILE') {
          return { Item: marshall({ pk: `ACCOUNT#${holderAccount.accountNumber}`, sk: 'PROFILE', type: 'account', account: holderAccount }, { removeUndefinedValues: true }) };
        }
        return {};
      }
      destroy() {}
    }
    class SESClient {
      async send(command: { constructor: { name: string } }) {
        sent.push(command.constructor.name);
        throw Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
      }
      destroy() {}
    }
    const { handler } = evaluate(code, {
      '@aws-sdk/client-dynamodb': { ...dynamodb, DynamoDBClient },
      '@aws-sdk/client-ses': { ...ses, SESClient },
      '@aws-sdk/client-sfn': { ...sfn, SFNClient: class {} },
    });

    const failure = await handler({ activationId: 'AAAAAAAAAAAAAAAAAAAAAA', accountNumber: holderAccount.accountNumber, channel: 'agent' }, context).catch((error: Error) => error);
    expect(sent).toContain('SendEmailCommand');
    expect(failure.name).toBe('EmailDeliveryDeferred');
    expect(workflowErrorNames()).toContain(failure.name);
  });

  it('keeps the names of the error classes in a bundled API function', async () => {
    const code = await bundle(esbuildOptionsFor(functionEntry('api', 'verify-activation'), EVALUABLE));
    // Minified, a class keeps its name only as the string it names itself with.
    const names = ['AppError', 'ValidationError', 'ActivationNotFoundError', 'ActivationExpiredError', 'ServiceUnavailableError'];
    expect(names.filter((name) => !code.includes(`"${name}"`))).toEqual([]);
    const { handler } = evaluate(code, { '@aws-sdk/client-dynamodb': { ...dynamodb, DynamoDBClient: class { async send() { return {}; } } } });
    const response = await handler(
      { httpMethod: 'POST', path: '/v1/activations/verify', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ activationToken: `${'A'.repeat(22)}${'B'.repeat(43)}` }), requestContext: {} },
      context,
    );
    expect([response.statusCode, JSON.parse(response.body).error.code]).toEqual([404, 'ACTIVATION_NOT_FOUND']);
  });
});
