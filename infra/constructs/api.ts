import { Duration, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { fallbackHandler, routes, type Route, type RouteAuth } from '../../shared/http/routes';
import type { Data, TableAccess } from './data';
import type { Email } from './email';
import { ServiceFunction, functionEntry } from './service-function';
import { pascalCase, type TaskResponseAction, type Workflow } from './workflow';

/** What one API handler may do; each grant also sets the environment variables that go with it. */
export interface HandlerAccess {
  readonly table?: TableAccess;
  /** states:StartExecution on the workflow, and STATE_MACHINE_ARN. */
  readonly startWorkflow?: boolean;
  /** Answers to the workflow's callback task. */
  readonly taskResponse?: readonly TaskResponseAction[];
  /** ses:SendEmail from the sender identity, and the email settings. */
  readonly email?: boolean;
  /** @default 10 s (API Gateway gives up at 29 s) */
  readonly timeoutSeconds?: number;
}

/**
 * Least privilege per handler, keyed by handler name. A handler that is not listed gets
 * `DEFAULT_HANDLER_ACCESS`, so a route added to `shared/http/routes.ts` deploys as is; list it
 * here when it needs less (or more).
 */
export const HANDLER_ACCESS: Readonly<Record<string, HandlerAccess>> = {
  health: {},
  [fallbackHandler]: {},
  'request-activation': { table: 'read', startWorkflow: true },
  'verify-activation': { table: 'read' },
  // Read/write: the per-address rate-limit counters live in the table.
  'username-availability': { table: 'readWrite' },
  // Resumes the waiting workflow (token), or ends it and starts a confirmation (flow B).
  register: { table: 'readWrite', startWorkflow: true, taskResponse: ['SendTaskSuccess', 'SendTaskFailure'] },
  'sign-in': { table: 'readWrite' },
  'sign-out': { table: 'readWrite' },
  'list-account-users': { table: 'read' },
  'add-account-user': { table: 'readWrite', startWorkflow: true },
  // Writes the account's invitation log (the 24-hour limits) before it starts the workflow.
  'resend-invitation': { table: 'readWrite', startWorkflow: true },
  // Removing a user ends the workflow waiting on their pending invitation.
  'remove-account-user': { table: 'readWrite', taskResponse: ['SendTaskFailure'] },
  // Waits up to 10 s for the workflow to issue the activation, to tell the agent its expiry.
  'agent-send-activation': { table: 'read', startWorkflow: true, timeoutSeconds: 20 },
  'agent-registration-status': { table: 'read' },
};

export const DEFAULT_HANDLER_ACCESS: HandlerAccess = { table: 'readWrite' };

/** The access of a handler: its entry in `HANDLER_ACCESS`, else `DEFAULT_HANDLER_ACCESS`. */
export function handlerAccess(handler: string): HandlerAccess {
  return HANDLER_ACCESS[handler] ?? DEFAULT_HANDLER_ACCESS;
}

export interface ApiProps {
  readonly data: Data;
  readonly email: Email;
  readonly workflow: Workflow;
  /** The portal's origin (scheme://host[:port]): the only origin CORS allows. */
  readonly portalOrigin: string;
}

const STAGE_NAME = 'prod';

/**
 * The REST API (API Gateway v1, so that WAF attaches to the stage), built from the route table:
 * one function per route; an ANY method on every resource and on a root `{proxy+}` that sends
 * unknown paths (404) and methods (405) to the `route-not-found` function; CORS preflight for
 * the portal origin only; stage throttling; access logs without bodies; a WAF web ACL with a
 * per-address rate limit and the AWS common rule set; JSON gateway errors.
 */
export class Api extends Construct {
  readonly restApi: apigw.RestApi;
  readonly webAcl: wafv2.CfnWebACL;
  /** The function of each handler, by handler name (the fallback included). */
  readonly functions = new Map<string, ServiceFunction>();
  private readonly props: ApiProps;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.props = props;
    const origin = props.portalOrigin;

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });

    this.restApi = new apigw.RestApi(this, 'RestApi', {
      description: 'Business portal registration service: HTTP API v1',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // Execution logs (ERROR level) need the account's API Gateway CloudWatch role.
      cloudWatchRole: true,
      deployOptions: {
        stageName: STAGE_NAME,
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        // Data traces would log request bodies: passwords and tokens.
        dataTraceEnabled: false,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        // The resource path (`/v1/usernames/{username}/availability`), never the path itself
        // (it may hold a username or an account number), and no bodies.
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: apigw.AccessLogField.contextRequestId(),
            requestTime: apigw.AccessLogField.contextRequestTime(),
            ip: apigw.AccessLogField.contextIdentitySourceIp(),
            caller: apigw.AccessLogField.contextIdentityUserArn(),
            httpMethod: apigw.AccessLogField.contextHttpMethod(),
            resourcePath: apigw.AccessLogField.contextResourcePath(),
            protocol: apigw.AccessLogField.contextProtocol(),
            status: apigw.AccessLogField.contextStatus(),
            responseLength: apigw.AccessLogField.contextResponseLength(),
            responseLatency: apigw.AccessLogField.contextResponseLatency(),
            integrationLatency: apigw.AccessLogField.contextIntegrationLatency(),
            errorType: apigw.AccessLogField.contextErrorResponseType(),
            wafStatus: apigw.AccessLogField.contextWafResponseCode(),
          }),
        ),
      },
      defaultCorsPreflightOptions: {
        allowOrigins: [origin],
        allowMethods: ['GET', 'POST', 'DELETE'],
        allowHeaders: ['Content-Type', 'Authorization', 'Accept-Language'],
        maxAge: Duration.hours(1),
      },
    });
    Validations.of(this.restApi.node.findChild('CloudWatchRole')).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's account-level logging role uses the AWS managed policy AWS documents for it; it only lets API Gateway write its own execution logs.",
    });

    // Body schemas are checked in code (zod), which answers with the spec's fields and messages;
    // the validator checks the declared path parameters.
    const validator = this.restApi.addRequestValidator('RequestValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    // One integration for every fallback method, with one API-wide invoke permission, so that
    // the function's resource policy does not grow with the number of resources.
    const fallback = this.handlerFunction(fallbackHandler);
    const fallbackIntegration = new apigw.LambdaIntegration(fallback.function, { scopePermissionToMethod: false });
    const withFallback = new Set<apigw.IResource>();
    const addFallback = (resource: apigw.IResource): void => {
      if (withFallback.has(resource)) return;
      withFallback.add(resource);
      const method = resource.addMethod('ANY', fallbackIntegration);
      acknowledgeNoGatewayAuthorizer(method, 'fallback');
    };
    addFallback(this.restApi.root);
    addFallback(this.restApi.root.addResource('{proxy+}'));

    for (const route of routes) {
      let resource: apigw.IResource = this.restApi.root;
      for (const part of route.path.split('/').filter(Boolean)) {
        resource = resource.getResource(part) ?? resource.addResource(part);
        addFallback(resource);
      }
      const method = resource.addMethod(
        route.method,
        new apigw.LambdaIntegration(this.handlerFunction(route.handler).function, { allowTestInvoke: false }),
        {
          authorizationType: route.auth === 'agent' ? apigw.AuthorizationType.IAM : apigw.AuthorizationType.NONE,
          requestValidator: validator,
          requestParameters: Object.fromEntries(pathParameters(route).map((name) => [`method.request.path.${name}`, true])),
        },
      );
      acknowledgeNoGatewayAuthorizer(method, route.auth);
    }

    this.addGatewayResponses(origin);
    this.webAcl = this.addWebAcl(origin);
  }

  /** The function of a handler, created with its grants on first use. */
  private handlerFunction(handler: string): ServiceFunction {
    const existing = this.functions.get(handler);
    if (existing) return existing;
    const access = handlerAccess(handler);
    const fn = new ServiceFunction(this, `${pascalCase(handler)}Function`, {
      entry: functionEntry('api', handler),
      description: `Registration API: ${handler}`,
      timeout: Duration.seconds(access.timeoutSeconds ?? 10),
      environment: { PORTAL_ORIGIN: this.props.portalOrigin },
    });
    if (access.table) this.props.data.grantTable(fn, access.table);
    if (access.taskResponse?.length) this.props.workflow.grantTaskResponse(fn, access.taskResponse);
    if (access.startWorkflow) this.props.workflow.grantStartExecution(fn);
    if (access.email) this.props.email.grantSend(fn);
    this.functions.set(handler, fn);
    return fn;
  }

  /** API Gateway's own refusals (throttling, IAM, size, integration failures) in the spec's error shape. */
  private addGatewayResponses(origin: string): void {
    const responseHeaders = { 'Access-Control-Allow-Origin': `'${origin}'`, Vary: "'Origin'" };
    const body = (code: string) => ({
      'application/json': `{"error":{"code":"${code}","message":$context.error.messageString}}`,
    });
    this.restApi.addGatewayResponse('Default4xx', {
      type: apigw.ResponseType.DEFAULT_4XX,
      responseHeaders,
      templates: body('$context.error.responseType'),
    });
    this.restApi.addGatewayResponse('Default5xx', {
      type: apigw.ResponseType.DEFAULT_5XX,
      responseHeaders,
      templates: body('INTERNAL_ERROR'),
    });
    this.restApi.addGatewayResponse('Throttled', {
      type: apigw.ResponseType.THROTTLED,
      statusCode: '429',
      responseHeaders,
      templates: body('TOO_MANY_REQUESTS'),
    });
    this.restApi.addGatewayResponse('RequestTooLarge', {
      type: apigw.ResponseType.REQUEST_TOO_LARGE,
      statusCode: '413',
      responseHeaders,
      templates: body('PAYLOAD_TOO_LARGE'),
    });
  }

  /** The regional web ACL of the stage: a rate limit per client address, then AWS's common rules. */
  private addWebAcl(origin: string): wafv2.CfnWebACL {
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'Registration API: rate limit per client address and AWS common rule set',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('RegistrationApi'),
      customResponseBodies: {
        TooManyRequests: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            error: {
              code: 'TOO_MANY_REQUESTS',
              message: 'Trop de requêtes. Réessayez dans quelques minutes. / Too many requests. Try again in a few minutes.',
            },
          }),
        },
      },
      rules: [
        {
          name: 'RateLimitPerClientAddress',
          priority: 0,
          statement: { rateBasedStatement: { aggregateKeyType: 'IP', limit: 300, evaluationWindowSec: 300 } },
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: 'TooManyRequests',
                responseHeaders: [
                  { name: 'Retry-After', value: '300' },
                  { name: 'Access-Control-Allow-Origin', value: origin },
                ],
              },
            },
          },
          visibilityConfig: visibility('RateLimitPerClientAddress'),
        },
        {
          name: 'AwsCommonRuleSet',
          priority: 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              // The rule blocks bodies over 8 KB with a bare 403; the handlers allow 16 KiB and
              // answer larger bodies with 413 PAYLOAD_TOO_LARGE (spec §4), so it only counts.
              ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
            },
          },
          visibilityConfig: visibility('AwsCommonRuleSet'),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.restApi.deploymentStage.stageArn,
      webAclArn: webAcl.attrArn,
    });
    return webAcl;
  }
}

/** `/v1/usernames/{username}/availability` → `['username']`. */
function pathParameters(route: Route): string[] {
  return [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
}

/** Why a method has no API Gateway authorizer (cdk-nag APIG4, COG4), said once per kind. */
function acknowledgeNoGatewayAuthorizer(method: apigw.Method, kind: RouteAuth | 'fallback'): void {
  const nag = Validations.of(method);
  const cognito =
    'The portal has its own sessions (spec §3 D) and agents sign with IAM (SigV4): there is no Cognito user pool.';
  switch (kind) {
    case 'agent':
      nag.acknowledge({ id: 'AwsSolutions-COG4', reason: `Agent route, authorized with AWS_IAM. ${cognito}` });
      return;
    case 'public':
      nag.acknowledge(
        { id: 'AwsSolutions-APIG4', reason: 'Public route of the spec (§4): anonymous by design, rate limited by stage throttling and WAF.' },
        { id: 'AwsSolutions-COG4', reason: `Public route of the spec (§4). ${cognito}` },
      );
      return;
    case 'session':
      nag.acknowledge(
        { id: 'AwsSolutions-APIG4', reason: 'Session route: the handler verifies the bearer session token (hashed, revocable) against the table.' },
        { id: 'AwsSolutions-COG4', reason: `Session route with the portal's own bearer sessions. ${cognito}` },
      );
      return;
    case 'fallback':
      nag.acknowledge(
        { id: 'AwsSolutions-APIG4', reason: 'Fallback method: answers only 404 NOT_FOUND / 405 METHOD_NOT_ALLOWED and touches no data.' },
        { id: 'AwsSolutions-COG4', reason: `Fallback method (404/405 only). ${cognito}` },
      );
      return;
  }
}
