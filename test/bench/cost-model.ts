/**
 * What 1,000 registrations cost on AWS, from what was deployed (the synthesized template: memory
 * sizes, architecture, API type, WAF, billing modes) and what a local run did (state transitions
 * counted in the local engine's event log, DynamoDB capacity consumed as DynamoDB Local reports
 * it, emails in the SES emulator's outbox, API calls made, Lambda durations measured).
 *
 * Prices are list prices in USD, named below with the page they come from and when they were
 * read. Canada (Central) where the page gives it, else US East (N. Virginia), which it equals or
 * nearly so for these services. Re-check them before relying on the total.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { PROJECT_ROOT } from '../../infra/constructs/service-function';
import { RegistrationStack } from '../../infra/stacks/registration-stack';
import { round } from './stats';

/** When the prices below were read from their pages. */
export const PRICES_READ_ON = '2026-12-01';

export const PRICES = {
  /** Standard workflows, Canada (Central): $0.025 per 1,000 state transitions. https://aws.amazon.com/step-functions/pricing/ */
  stepFunctionsPerTransition: 0.025 / 1_000,
  /** Lambda, Arm: $0.0000133334 per GB-second. https://aws.amazon.com/lambda/pricing/ */
  lambdaArmPerGbSecond: 0.0000133334,
  /** Lambda, x86: $0.0000166667 per GB-second. https://aws.amazon.com/lambda/pricing/ */
  lambdaX86PerGbSecond: 0.0000166667,
  /** Lambda: $0.20 per million requests. https://aws.amazon.com/lambda/pricing/ */
  lambdaPerRequest: 0.2 / 1_000_000,
  /** API Gateway REST APIs: $3.50 per million requests (first 333 million). https://aws.amazon.com/api-gateway/pricing/ */
  apiGatewayRestPerRequest: 3.5 / 1_000_000,
  /** AWS WAF: $0.60 per million requests inspected. https://aws.amazon.com/waf/pricing/ */
  wafPerRequest: 0.6 / 1_000_000,
  /** AWS WAF: $5.00 per web ACL and $1.00 per rule, per month (fixed, not per registration). https://aws.amazon.com/waf/pricing/ */
  wafPerWebAclMonth: 5,
  wafPerRuleMonth: 1,
  /** Amazon SES: $0.10 per 1,000 emails sent. https://aws.amazon.com/ses/pricing/ */
  sesPerEmail: 0.1 / 1_000,
  /** DynamoDB on-demand: $0.625 per million write request units. https://aws.amazon.com/dynamodb/pricing/on-demand/ */
  dynamoDbPerWriteUnit: 0.625 / 1_000_000,
  /** DynamoDB on-demand: $0.125 per million read request units. https://aws.amazon.com/dynamodb/pricing/on-demand/ */
  dynamoDbPerReadUnit: 0.125 / 1_000_000,
  /** Amazon Cognito user pools, per monthly active user beyond the free 10,000: Lite $0.0055, Essentials $0.015. https://aws.amazon.com/cognito/pricing/ */
  cognitoLitePerMau: 0.0055,
  cognitoEssentialsPerMau: 0.015,
} as const;

/** What the deployed template says matters for cost. */
export interface DeployedShape {
  /** Memory (MB) by function logical id. */
  functions: { logicalId: string; memoryMb: number; architecture: string }[];
  apiType: 'REST' | 'HTTP' | 'none';
  webAcls: number;
  wafRules: number;
  stateMachineType: string;
  tableBillingMode: string;
}

/** Synthesizes the registration stack (bundling skipped: the template's settings are what count). */
export function deployedShape(): DeployedShape {
  const context = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new RegistrationStack(app, 'BusinessPortalRegistration');
  const template = app.synth().getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string; Properties?: any }> };
  const resources = Object.entries(template.Resources);
  const ofType = (type: string) => resources.filter(([, resource]) => resource.Type === type);
  return {
    functions: ofType('AWS::Lambda::Function').map(([logicalId, resource]) => ({
      logicalId,
      memoryMb: Number(resource.Properties?.MemorySize ?? 128),
      architecture: String(resource.Properties?.Architectures?.[0] ?? 'x86_64'),
    })),
    apiType: ofType('AWS::ApiGateway::RestApi').length ? 'REST' : ofType('AWS::ApiGatewayV2::Api').length ? 'HTTP' : 'none',
    webAcls: ofType('AWS::WAFv2::WebACL').length,
    wafRules: ofType('AWS::WAFv2::WebACL').reduce((sum, [, acl]) => sum + (acl.Properties?.Rules?.length ?? 0), 0),
    stateMachineType: String(ofType('AWS::StepFunctions::StateMachine')[0]?.[1].Properties?.StateMachineType ?? 'STANDARD'),
    tableBillingMode: String(ofType('AWS::DynamoDB::Table')[0]?.[1].Properties?.BillingMode ?? ofType('AWS::DynamoDB::GlobalTable')[0]?.[1].Properties?.BillingMode ?? 'PROVISIONED'),
  };
}

/** What one registration journey did, measured locally (averages over the journeys run). */
export interface JourneyUsage {
  journey: string;
  /** API calls, each one Lambda invocation behind API Gateway and WAF, with its measured duration. */
  apiCalls: { handler: string; ms: number }[];
  /** Workflow Lambda invocations (Task states), with durations. */
  taskInvocations: { handler: string; ms: number }[];
  stateTransitions: number;
  readUnits: number;
  writeUnits: number;
  emails: number;
}

export interface CostLine {
  item: string;
  quantityPer1000: number;
  unit: string;
  usdPer1000: number;
}

export interface JourneyCost {
  journey: string;
  lines: CostLine[];
  totalUsdPer1000: number;
}

/** The function's memory: the template's, for the function whose logical id names the handler. */
function memoryOf(shape: DeployedShape, handler: string): { memoryMb: number; architecture: string } {
  const pascal = handler.replace(/(^|-)(\w)/g, (_m, _dash, c: string) => c.toUpperCase());
  const found = shape.functions.find((fn) => fn.logicalId.includes(`${pascal}Function`));
  const fallback = shape.functions.reduce((max, fn) => (fn.memoryMb > max.memoryMb ? fn : max), shape.functions[0] ?? { memoryMb: 128, architecture: 'x86_64', logicalId: '' });
  return found ?? fallback;
}

/** Cost of 1,000 journeys like `usage`. Lambda duration is billed by the millisecond, rounded up. */
export function journeyCost(usage: JourneyUsage, shape: DeployedShape): JourneyCost {
  const invocations = [...usage.apiCalls, ...usage.taskInvocations];
  let gbSeconds = 0;
  let lambdaUsd = 0;
  for (const { handler, ms } of invocations) {
    const { memoryMb, architecture } = memoryOf(shape, handler);
    const gbs = (Math.ceil(ms) / 1000) * (memoryMb / 1024);
    gbSeconds += gbs;
    lambdaUsd += gbs * (architecture === 'arm64' ? PRICES.lambdaArmPerGbSecond : PRICES.lambdaX86PerGbSecond);
  }
  const k = 1000;
  const api = usage.apiCalls.length;
  const lines: CostLine[] = [
    { item: `Step Functions (${shape.stateMachineType.toLowerCase()}) state transitions`, quantityPer1000: usage.stateTransitions * k, unit: 'transitions', usdPer1000: usage.stateTransitions * k * PRICES.stepFunctionsPerTransition },
    { item: 'SES emails', quantityPer1000: usage.emails * k, unit: 'emails', usdPer1000: usage.emails * k * PRICES.sesPerEmail },
    { item: `API Gateway (${shape.apiType}) requests`, quantityPer1000: api * k, unit: 'requests', usdPer1000: shape.apiType === 'REST' ? api * k * PRICES.apiGatewayRestPerRequest : 0 },
    { item: 'WAF requests inspected', quantityPer1000: shape.webAcls ? api * k : 0, unit: 'requests', usdPer1000: shape.webAcls ? api * k * PRICES.wafPerRequest : 0 },
    { item: 'Lambda requests', quantityPer1000: invocations.length * k, unit: 'invocations', usdPer1000: invocations.length * k * PRICES.lambdaPerRequest },
    { item: 'Lambda compute', quantityPer1000: round(gbSeconds * k, 1), unit: 'GB-s', usdPer1000: lambdaUsd * k },
    { item: 'DynamoDB write request units', quantityPer1000: round(usage.writeUnits * k, 0), unit: 'WRU', usdPer1000: usage.writeUnits * k * PRICES.dynamoDbPerWriteUnit },
    { item: 'DynamoDB read request units', quantityPer1000: round(usage.readUnits * k, 0), unit: 'RRU', usdPer1000: usage.readUnits * k * PRICES.dynamoDbPerReadUnit },
  ].map((line) => ({ ...line, usdPer1000: round(line.usdPer1000, 4) }));
  return { journey: usage.journey, lines, totalUsdPer1000: round(lines.reduce((sum, line) => sum + line.usdPer1000, 0), 4) };
}

/** Fixed monthly costs that do not grow with registrations (shown apart). */
export function fixedMonthly(shape: DeployedShape): { item: string; usdPerMonth: number }[] {
  return shape.webAcls ? [{ item: `WAF: ${shape.webAcls} web ACL(s), ${shape.wafRules} rule(s)`, usdPerMonth: shape.webAcls * PRICES.wafPerWebAclMonth + shape.wafRules * PRICES.wafPerRuleMonth }] : [];
}

/** What Cognito would charge for the same 1,000 users, each active in the month they register. */
export function cognitoPer1000(): { lite: number; essentials: number } {
  return { lite: round(1000 * PRICES.cognitoLitePerMau, 2), essentials: round(1000 * PRICES.cognitoEssentialsPerMau, 2) };
}
