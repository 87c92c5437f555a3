import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { closeClients, dynamoDbClient, sesClient, sfnClient } from '../../shared/adapters/aws-clients';
import { DynamoDbAccountDirectory } from '../../shared/adapters/dynamodb-accounts';
import { advanceSystemClock, systemClock } from '../../shared/adapters/system-clock';
import { ValidationError } from '../../shared/domain/errors';
import { errorBody } from '../../shared/http/error-body';
import { accountRecords, importAccounts, type ImportReport } from '../../shared/domain/import-accounts';
import { faultValidationBody, installFaults, LocalFaults, parseFaultRequest } from './faults';
import { createServiceTable, LOCAL_AWS, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { bindLocalApi, type DevRoute } from './http-server';
import { startPortalSite } from './portal-site';
import { renderMailbox } from './mailbox-page';
import { invokeLocally, isolateConcurrentInvocations } from './lambda-invoke';
import { startSesLocal, type SesLocal } from './ses-local';
import { startLocalStepFunctions, type LocalStepFunctions } from './step-functions-local';

export const DEMO_ACCOUNTS_FILE = path.join(__dirname, 'demo-accounts.json');
const DEFINITION_FILE = path.resolve(__dirname, '../workflow/registration.asl.json');
const WORKFLOW_DIR = path.resolve(__dirname, '../../functions/workflow');
const TABLE_NAME = 'registration-local';

/** The workflow's Lambda functions, by the ASL placeholder that names each one's ARN. */
const WORKFLOW_FUNCTIONS: Record<string, string> = {
  IssueActivationFunctionArn: 'issue-activation',
  AwaitRegistrationFunctionArn: 'await-registration',
  SendConfirmationFunctionArn: 'send-confirmation',
  ExpireActivationFunctionArn: 'expire-activation',
  RecordFailureFunctionArn: 'record-failure',
  SendRecoveryEmailFunctionArn: 'send-recovery-email',
};

export interface LocalStackOptions {
  /** HTTP port of the API; 0 picks a free one. */
  port: number;
  /** Accounts to load (`{"accounts": [...]}`); the demo accounts when absent. */
  seedFile?: string;
  portalUrl?: string;
  agentApiKey?: string;
}

export interface LocalStack {
  url: string;
  /** Where the portal's pages are (the emails' links open them). */
  portalUrl: string;
  agentApiKey: string;
  dynamoDbEndpoint: string;
  sesEndpoint: string;
  stepFunctionsEndpoint: string;
  seedReport: ImportReport;
  close(): Promise<void>;
}

/**
 * Starts the whole service locally: DynamoDB Local, the SES emulator, the Step Functions engine
 * running the deployed definition, and the API. Handlers and workflow tasks run in this process
 * with the same code and the same AWS SDK calls as on AWS; only `AWS_ENDPOINT_URL_*` differ.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const started: { stop(): Promise<void> }[] = [];
  const closeAll = async () => {
    for (const component of started.reverse()) await component.stop().catch(() => undefined);
    closeClients();
  };
  try {
    // First, before any SDK call (see isolateConcurrentInvocations).
    const shareNothing = await isolateConcurrentInvocations();
    started.push({ stop: async () => shareNothing() });
    const api = await bindLocalApi(options.port);
    started.push({ stop: () => api.close() });
    const port = api.port;
    const portalUrl = options.portalUrl ?? `http://localhost:${port}`;
    const agentApiKey = options.agentApiKey ?? `dev-agent-${randomBytes(12).toString('base64url')}`;

    const [dynamoDb, ses]: [DynamoDbLocal, SesLocal] = await Promise.all([startDynamoDbLocal(), startSesLocal()]);
    started.push(dynamoDb, ses);

    const client = new DynamoDBClient({ endpoint: dynamoDb.endpoint, region: LOCAL_AWS.region, credentials: LOCAL_AWS });
    await createServiceTable(client, TABLE_NAME);
    const seedFile = options.seedFile ?? DEMO_ACCOUNTS_FILE;
    const seedReport = await importAccounts(
      { accounts: new DynamoDbAccountDirectory(client, TABLE_NAME) },
      accountRecords(JSON.parse(readFileSync(seedFile, 'utf8'))),
    );
    client.destroy();

    const functionArn = (name: string) => `arn:aws:lambda:${LOCAL_AWS.region}:000000000000:function:${name}`;
    const substitutions = Object.fromEntries(Object.entries(WORKFLOW_FUNCTIONS).map(([key, name]) => [key, functionArn(name)]));
    const functions = Object.fromEntries(
      Object.values(WORKFLOW_FUNCTIONS).map((name) => [
        functionArn(name),
        (event: unknown) => invokeLocally(path.join(WORKFLOW_DIR, `${name}.handler.ts`), name, event),
      ]),
    );
    const stepFunctions: LocalStepFunctions = await startLocalStepFunctions({
      definitionText: readFileSync(DEFINITION_FILE, 'utf8'),
      substitutions,
      functions,
      clock: systemClock,
    });
    started.push({ stop: () => stepFunctions.close() });

    // The handlers read these at cold start, exactly as on Lambda.
    Object.assign(process.env, {
      AWS_REGION: LOCAL_AWS.region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
      AWS_ENDPOINT_URL_SES: ses.endpoint,
      AWS_ENDPOINT_URL_SFN: stepFunctions.endpoint,
      TABLE_NAME,
      STATE_MACHINE_ARN: stepFunctions.stateMachineArn,
      PORTAL_URL: portalUrl,
      PORTAL_ORIGIN: new URL(portalUrl).origin,
      SENDER_EMAIL: process.env.SENDER_EMAIL ?? 'no-reply@example.com',
      CUSTOMER_SERVICE_PHONE: process.env.CUSTOMER_SERVICE_PHONE ?? '1 800 555-0100',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    });

    // Fault injection (`/__dev/faults`) on the very clients every handler and workflow step uses.
    const faults = new LocalFaults();
    const uninstallFaults = installFaults(faults, { dynamodb: dynamoDbClient(), ses: sesClient(), stepfunctions: sfnClient() });
    started.push({ stop: async () => uninstallFaults() });

    const clockHistory = [{ realMs: Date.now(), offsetMs: 0 }];
    const serviceTime = (realMs: number) => {
      const entry = [...clockHistory].reverse().find((e) => e.realMs <= realMs) ?? clockHistory[0]!;
      return new Date(realMs + entry.offsetMs);
    };
    const devRoutes: Record<string, DevRoute> = {
      'GET /__dev/outbox': async () => ({ statusCode: 200, body: { messages: await ses.outbox(serviceTime) } }),
      'GET /__dev/mailbox': async () => ({
        statusCode: 200,
        contentType: 'text/html; charset=utf-8',
        body: renderMailbox(await ses.outbox(serviceTime)),
      }),
      'POST /__dev/clock': async (body) => {
        const seconds = (body as { advanceSeconds?: unknown })?.advanceSeconds;
        if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
          const error = new ValidationError([{ field: 'advanceSeconds', code: 'ADVANCE_SECONDS_INVALID' }]);
          return { statusCode: 400, body: errorBody(error, 'en') };
        }
        const now = advanceSystemClock(seconds);
        clockHistory.push({ realMs: Date.now(), offsetMs: now.getTime() - Date.now() });
        stepFunctions.checkTimeouts();
        return { statusCode: 200, body: { now: now.toISOString() } };
      },
      'GET /__dev/faults': async () => ({ statusCode: 200, body: faults.state() }),
      'POST /__dev/faults': async (body) => {
        const request = parseFaultRequest(body);
        if (!request.ok) return { statusCode: 400, body: faultValidationBody(request.problems) };
        return { statusCode: 200, body: faults.set(request.changes) };
      },
      'GET /__dev/info': async () => ({
        statusCode: 200,
        body: {
          dynamodb: { endpoint: dynamoDb.endpoint, region: LOCAL_AWS.region, tables: [TABLE_NAME] },
          ses: { endpoint: ses.endpoint },
          stepFunctions: { endpoint: stepFunctions.endpoint, stateMachineArn: stepFunctions.stateMachineArn },
          now: systemClock.now().toISOString(),
        },
      }),
    };
    // The portal's pages, under PORTAL_URL's path on this same server, so the emails' links open them.
    const portalSite = await startPortalSite({ basePath: new URL(portalUrl).pathname, customerServicePhone: process.env.CUSTOMER_SERVICE_PHONE! });
    api.serve({ devRoutes, agentApiKey, portalOrigin: new URL(portalUrl).origin, portalSite });

    return {
      url: `http://localhost:${port}`,
      portalUrl,
      agentApiKey,
      dynamoDbEndpoint: dynamoDb.endpoint,
      sesEndpoint: ses.endpoint,
      stepFunctionsEndpoint: stepFunctions.endpoint,
      seedReport,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
