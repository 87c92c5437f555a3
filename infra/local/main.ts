/**
 * `npm start`: the whole service on emulators, no AWS account. Environment: PORT (3000),
 * SEED_FILE (demo accounts), PORTAL_URL (http://localhost:$PORT), AGENT_API_KEY (printed).
 */
import { METRICS_NAMESPACE } from '../../shared/observability/metric-names';
import { prettyPrintLogs } from './log-format';
import { DEMO_ACCOUNTS_FILE, startLocalStack } from './stack';

async function main(): Promise<void> {
  // The SDK's notice that its 2027 releases need Node 22 is for deployers, not for local runs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Every request and workflow step logs a line at INFO (POWERTOOLS_LOG_LEVEL=WARN quiets them).
  process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO';
  // The deployed functions' namespace (COMMON_ENVIRONMENT): metrics print as EMF lines, as on Lambda.
  // (Tests that start the stack in-process leave it unset, and print none.)
  process.env.POWERTOOLS_METRICS_NAMESPACE ??= METRICS_NAMESPACE;
  // On a terminal, one short line per log entry; piped or redirected, the JSON lines Lambda writes.
  if (process.stdout.isTTY) prettyPrintLogs(process.stdout, { color: !process.env.NO_COLOR });
  if (process.stderr.isTTY) prettyPrintLogs(process.stderr, { color: !process.env.NO_COLOR });
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${process.env.PORT}".`);
  console.log('Starting the registration service locally (DynamoDB Local, SES emulator, Step Functions engine)…');
  const startedAt = Date.now();
  const stack = await startLocalStack({
    port,
    seedFile: process.env.SEED_FILE || undefined,
    portalUrl: process.env.PORTAL_URL || undefined,
    agentApiKey: process.env.AGENT_API_KEY || undefined,
  });
  const seed = stack.seedReport;
  console.log(
    [
      '',
      `  API            ${stack.url}   (health: ${stack.url}/v1/health)`,
      `  Portal         ${stack.portalUrl.replace(/\/+$/, '')}/sign-in   (also /activation-request, /registration)`,
      `  API reference  ${stack.url}/api-reference   (OpenAPI 3.1: ${stack.url}/openapi.json)`,
      `  Outbox         ${stack.url}/__dev/outbox   (emails sent; SES emulator UI: ${stack.sesEndpoint})`,
      `  Mailbox        ${stack.url}/__dev/mailbox  (the emails rendered, links clickable)`,
      `  Clock          POST ${stack.url}/__dev/clock {"advanceSeconds": n}`,
      `  Info           ${stack.url}/__dev/info`,
      `  Faults         POST ${stack.url}/__dev/faults {"ses": {"mode": "throttle" | "reject" | "timeout-after-accept", "count": n}}`,
      `  DynamoDB Local ${stack.dynamoDbEndpoint}`,
      `  Step Functions ${stack.stepFunctionsEndpoint}`,
      `  Agent key      x-agent-key: ${stack.agentApiKey}`,
      `  Accounts       ${process.env.SEED_FILE || DEMO_ACCOUNTS_FILE}: ${seed.created} loaded${seed.invalid.length ? `, ${seed.invalid.length} invalid` : ''}`,
      '',
      `Ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s. Ctrl-C stops everything.`,
    ].join('\n'),
  );
  for (const refused of seed.invalid) console.warn(`  seed record ${refused.index}: ${refused.problems.join('; ')}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await stack.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: Error) => {
  console.error(`Could not start: ${error.message}`);
  process.exit(1);
});
