import { Duration, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { ErrorCode } from '../../shared/domain/errors';
import { message } from '../../shared/http/messages';
import { MAX_BODY_BYTES, fallbackHandler, routes, type Route, type RouteAuth } from '../../shared/http/routes';
import { KEY_PREFIXES, type Data, type KeyPrefix, type TableGrant } from './data';
import type { Email } from './email';
import { ServiceFunction, functionEntry } from './service-function';
import { pascalCase, type TaskResponseAction, type Workflow } from './workflow';

/** What one API handler may do; each grant also sets the environment variables that go with it. */
export interface HandlerAccess {
  /**
   * The partition-key kinds the handler reads and writes (`Data.grantTable`). `read` lists the
   * kinds of every adapter the handler builds (test/infra checks it against the code); `write`
   * those its use case writes. State-changing routes also get `IDEMPOTENCY` (see `tableGrantOf`).
   */
  readonly table?: TableGrant;
  /** states:StartExecution on the workflow, and STATE_MACHINE_ARN. */
  readonly startWorkflow?: boolean;
  /** Answers to the workflow's callback task. */
  readonly taskResponse?: readonly TaskResponseAction[];
  /** ses:SendEmail from the sender identity, and the email settings. */
  readonly email?: boolean;
  /** @default 10 s (API Gateway gives up at 29 s) */
  readonly timeoutSeconds?: number;
}

// Adapter → partition-key kinds (shared/adapters): accounts ACCOUNT; activations ACCOUNT,
// ACTIVATION; logins ACCOUNT, ACTIVATION, USER, USERNAME; people ACCOUNT, ACTIVATION, USER;
// audit ACCOUNT; lockouts LOCKOUT; sessions SESSION; rateLimiter RATE; suppressionList and
// notifier SUPPRESSED; the session
// authenticator = sessions + logins.
const SESSION_READS: readonly KeyPrefix[] = ['ACCOUNT', 'ACTIVATION', 'USER', 'USERNAME', 'SESSION'];

/**
 * Least privilege per handler, keyed by handler name. A handler that is not listed gets
 * `DEFAULT_HANDLER_ACCESS`, so a route added to `shared/http/routes.ts` deploys as is (and the
 * infra tests ask for its entry here).
 */
export const HANDLER_ACCESS: Readonly<Record<string, HandlerAccess>> = {
  health: {},
  [fallbackHandler]: {},
  'request-activation': { table: { read: ['ACCOUNT'], write: [] }, startWorkflow: true },
  'verify-activation': { table: { read: ['ACCOUNT', 'ACTIVATION'], write: [] } },
  // The per-address rate-limit counters are the only items it writes.
  'username-availability': { table: { read: ['ACCOUNT', 'ACTIVATION', 'USER', 'USERNAME', 'RATE'], write: ['RATE'] } },
  // Resumes the waiting workflow (token), or ends it and starts a confirmation (flow B).
  register: {
    table: {
      read: ['ACCOUNT', 'ACTIVATION', 'USER', 'USERNAME', 'LOCKOUT'],
      write: ['ACCOUNT', 'ACTIVATION', 'USER', 'USERNAME', 'LOCKOUT'],
    },
    startWorkflow: true,
    taskResponse: ['SendTaskSuccess', 'SendTaskFailure'],
  },
  'sign-in': { table: { read: ['ACCOUNT', 'ACTIVATION', 'USER', 'USERNAME', 'SESSION', 'LOCKOUT'], write: ['SESSION', 'LOCKOUT'] } },
  'sign-out': { table: { read: SESSION_READS, write: ['SESSION'] } },
  'list-account-users': { table: { read: SESSION_READS, write: [] } },
  'add-account-user': { table: { read: SESSION_READS, write: ['ACCOUNT'] }, startWorkflow: true },
  // Writes the account's invitation log (the 24-hour limits) before it starts the workflow.
  'resend-invitation': { table: { read: SESSION_READS, write: ['ACCOUNT'] }, startWorkflow: true },
  // Removing a user disables their login, revokes their invitation and ends the workflow waiting on it.
  'remove-account-user': { table: { read: SESSION_READS, write: ['ACCOUNT', 'ACTIVATION', 'USER'] }, taskResponse: ['SendTaskFailure'] },
  // Waits up to 10 s for the workflow to issue the activation, to tell the agent its expiry.
  'agent-send-activation': { table: { read: ['ACCOUNT', 'ACTIVATION'], write: [] }, startWorkflow: true, timeoutSeconds: 20 },
  // SUPPRESSED: whether the holder's address bounced or complained.
  'agent-registration-status': { table: { read: ['ACCOUNT', 'ACTIVATION', 'USER', 'USERNAME', 'LOCKOUT', 'SUPPRESSED'], write: [] } },
  // Account recovery: the requests only start the workflow (same path whatever the input).
  'request-password-reset': { startWorkflow: true },
  'request-username-reminder': { startWorkflow: true },
  'verify-password-reset': { table: { read: ['RESET', 'USER', 'SESSION'], write: [] } },
  // Consumes the reset and sets the password (USER) in one transaction, clears the sign-in lockout.
  'complete-password-reset': { table: { read: ['RESET', 'USER', 'SESSION', 'LOCKOUT'], write: ['RESET', 'USER', 'LOCKOUT'] }, startWorkflow: true },
  // Sets the password and moves the caller's session to the login's new generation.
  'change-password': { table: { read: [...SESSION_READS, 'LOCKOUT', 'RESET'], write: ['USER', 'SESSION', 'LOCKOUT'] }, startWorkflow: true },
  'agent-clear-lockouts': { table: { read: ['ACCOUNT', 'ACTIVATION', 'USER', 'USERNAME', 'LOCKOUT'], write: ['ACCOUNT', 'LOCKOUT'] } },
};

/** Every kind of item, read and written: what a route nobody listed yet gets. */
export const DEFAULT_HANDLER_ACCESS: HandlerAccess = { table: { read: [...KEY_PREFIXES], write: [...KEY_PREFIXES] } };

/** The access of a handler: its entry in `HANDLER_ACCESS`, else `DEFAULT_HANDLER_ACCESS`. */
export function handlerAccess(handler: string): HandlerAccess {
  return HANDLER_ACCESS[handler] ?? DEFAULT_HANDLER_ACCESS;
}

const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The table grant of a handler: its `HANDLER_ACCESS` entry, plus read/write on `IDEMPOTENCY#…`
 * when one of its routes changes state (those routes take `Idempotency-Key`, spec §4).
 */
export function tableGrantOf(handler: string): TableGrant | undefined {
  const table = handlerAccess(handler).table;
  const changesState = routes.some((route) => route.handler === handler && STATE_CHANGING_METHODS.has(route.method));
  if (!changesState) return table;
  return {
    read: [...(table?.read ?? []), 'IDEMPOTENCY'],
    write: [...(table?.write ?? []), 'IDEMPOTENCY'],
  };
}

/**
 * Where API Gateway writes its logs. Execution and access logs need the account's API Gateway
 * CloudWatch role, one per account and region, which this stack never overwrites by default:
 * `account-role` (default) expects it to be set already; `create-role` creates one and sets it
 * for the whole account and region (only for an account that has none); `off` logs nothing.
 */
export type ApiLogging = 'account-role' | 'create-role' | 'off';
export const API_LOGGING_VALUES: readonly ApiLogging[] = ['account-role', 'create-role', 'off'];

export interface ApiProps {
  readonly data: Data;
  readonly email: Email;
  readonly workflow: Workflow;
  /** The portal's origin (scheme://host[:port]): the only origin CORS allows. */
  readonly portalOrigin: string;
  /**
   * The IAM role Customer Service agents assume to call the agent routes; the only principal
   * the API lets call them. @default a role created here, assumable from this account
   */
  readonly agentRoleArn?: string;
  /** @default 'account-role' */
  readonly logging?: ApiLogging;
}

export const STAGE_NAME = 'prod';

/** Per client address over `RATE_WINDOW_SECONDS`, agent routes excluded (agents share an office address). */
export const RATE_LIMIT_PER_ADDRESS = 300;
/** Per client address and route over `RATE_WINDOW_SECONDS`, on the routes that guess secrets or send email. */
export const RATE_LIMIT_SENSITIVE = 100;
export const RATE_WINDOW_SECONDS = 300;
/** The routes under `RATE_LIMIT_SENSITIVE`. */
export const RATE_LIMITED_ROUTES: readonly { readonly method: string; readonly path: string }[] = [
  { method: 'POST', path: '/v1/sessions' },
  { method: 'POST', path: '/v1/registrations' },
  { method: 'POST', path: '/v1/activation-requests' },
  { method: 'POST', path: '/v1/password-resets' },
];

/** Headers every gateway and WAF answer carries, so that the portal can read them (CORS). */
export function corsErrorHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': 'Retry-After',
    Vary: 'Origin',
    'Cache-Control': 'no-store',
  };
}

/**
 * API Gateway and WAF cannot negotiate a language: their messages say it in French, then in
 * English, in one string. The code is what clients act on.
 */
function bilingual(code: ErrorCode, params: Record<string, string | number> = {}): string {
  return `${message(code, 'fr', params)} / ${message(code, 'en', params)}`;
}

/** One of API Gateway's own answers, in the spec's error shape. */
export interface GatewayAnswer {
  readonly id: string;
  readonly type: apigw.ResponseType;
  /** @default the response type's own status */
  readonly statusCode?: string;
  /** The `error.code`; `$context.error.responseType` names API Gateway's own type. */
  readonly code: string;
  readonly message: string;
  readonly headers?: Record<string, string>;
}

/**
 * What API Gateway answers itself, before any function runs. The `{proxy+}` fallback answers
 * unknown paths and methods (404/405 from `route-not-found`), so API Gateway's "Missing
 * Authentication Token" means an unsigned call to an IAM (agent) route: 401, as the local
 * stack answers a missing agent key. A signed call from another principal than the agent role
 * is refused by the resource policy: 403.
 */
export const GATEWAY_ANSWERS: readonly GatewayAnswer[] = [
  {
    id: 'Default4xx',
    type: apigw.ResponseType.DEFAULT_4XX,
    code: '$context.error.responseType',
    message: 'La requête a été refusée. / The request was refused.',
  },
  { id: 'Default5xx', type: apigw.ResponseType.DEFAULT_5XX, code: 'INTERNAL_ERROR', message: bilingual('INTERNAL_ERROR') },
  { id: 'ResourceNotFound', type: apigw.ResponseType.RESOURCE_NOT_FOUND, statusCode: '404', code: 'NOT_FOUND', message: bilingual('NOT_FOUND') },
  {
    id: 'MissingAuthenticationToken',
    type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    statusCode: '401',
    code: 'UNAUTHENTICATED',
    message: bilingual('UNAUTHENTICATED'),
  },
  { id: 'InvalidSignature', type: apigw.ResponseType.INVALID_SIGNATURE, statusCode: '401', code: 'UNAUTHENTICATED', message: bilingual('UNAUTHENTICATED') },
  { id: 'ExpiredToken', type: apigw.ResponseType.EXPIRED_TOKEN, statusCode: '401', code: 'UNAUTHENTICATED', message: bilingual('UNAUTHENTICATED') },
  { id: 'Unauthorized', type: apigw.ResponseType.UNAUTHORIZED, statusCode: '401', code: 'UNAUTHENTICATED', message: bilingual('UNAUTHENTICATED') },
  {
    id: 'AccessDenied',
    type: apigw.ResponseType.ACCESS_DENIED,
    statusCode: '403',
    code: 'FORBIDDEN',
    message: 'Vous n’avez pas accès à cette ressource. / You do not have access to this resource.',
  },
  {
    id: 'WafFiltered',
    type: apigw.ResponseType.WAF_FILTERED,
    statusCode: '403',
    code: 'REQUEST_BLOCKED',
    message: 'La requête a été bloquée par le pare-feu. / The request was blocked by the firewall.',
  },
  {
    id: 'RequestTooLarge',
    type: apigw.ResponseType.REQUEST_TOO_LARGE,
    statusCode: '413',
    code: 'PAYLOAD_TOO_LARGE',
    message: bilingual('PAYLOAD_TOO_LARGE', { max: MAX_BODY_BYTES }),
  },
  {
    id: 'UnsupportedMediaType',
    type: apigw.ResponseType.UNSUPPORTED_MEDIA_TYPE,
    statusCode: '415',
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: bilingual('UNSUPPORTED_MEDIA_TYPE'),
  },
  {
    id: 'Throttled',
    type: apigw.ResponseType.THROTTLED,
    statusCode: '429',
    code: 'TOO_MANY_REQUESTS',
    message: bilingual('TOO_MANY_REQUESTS'),
    // Stage throttling is a token bucket refilled every second.
    headers: { 'Retry-After': '1' },
  },
];

/** The WAF's own answers: bodies in the spec's error shape. */
const WAF_BODIES = {
  TooManyRequests: {
    code: 'TOO_MANY_REQUESTS',
    message: 'Trop de requêtes. Réessayez dans quelques minutes. / Too many requests. Try again in a few minutes.',
  },
  PayloadTooLarge: { code: 'PAYLOAD_TOO_LARGE', message: bilingual('PAYLOAD_TOO_LARGE', { max: MAX_BODY_BYTES }) },
} as const;

/**
 * The AWS common rule set's rules that inspect the body. The handlers validate every field
 * themselves, and legal values look like attacks to them (a password `a/../../b1`, a name with
 * `<`): they only count. Bodies over the service's limit are the custom `BodyTooLarge` rule's.
 */
export const COMMON_RULE_SET_BODY_RULES = [
  'SizeRestrictions_BODY',
  'GenericLFI_BODY',
  'GenericRFI_BODY',
  'CrossSiteScripting_BODY',
  'EC2MetaDataSSRF_BODY',
] as const;

/**
 * The REST API (API Gateway v1, so that WAF attaches to the stage), built from the route table:
 * one function per route; an ANY method on every resource and on a root `{proxy+}` that sends
 * unknown paths (404) and methods (405) to the `route-not-found` function; CORS for the portal
 * origin only; a resource policy that lets only the agent role call the agent routes; stage
 * throttling; access logs without bodies; a WAF web ACL (rate limits, body size, AWS common
 * rules); every refusal of API Gateway or WAF in the spec's error shape.
 */
export class Api extends Construct {
  readonly restApi: apigw.RestApi;
  readonly webAcl: wafv2.CfnWebACL;
  /** The role Customer Service agents assume to call the agent routes (created, or imported from `agentRoleArn`). */
  readonly agentRole: iam.IRole;
  /** The function of each handler, by handler name (the fallback included). */
  readonly functions = new Map<string, ServiceFunction>();
  private readonly props: ApiProps;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.props = props;
    const origin = props.portalOrigin;
    const logging = props.logging ?? 'account-role';

    this.agentRole = props.agentRoleArn
      ? iam.Role.fromRoleArn(this, 'AgentRole', props.agentRoleArn, { mutable: false })
      : new iam.Role(this, 'AgentRole', {
          // Assumable by the identities of this account that an administrator allows to
          // (sts:AssumeRole in their own policy, or an IAM Identity Center permission set).
          assumedBy: new iam.AccountRootPrincipal(),
          description: 'Customer Service agents: calls the registration API agent routes (SigV4)',
        });

    const accessLogs =
      logging === 'off' ? undefined : new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });

    this.restApi = new apigw.RestApi(this, 'RestApi', {
      description: 'Business portal registration service: HTTP API v1',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // The account-wide API Gateway CloudWatch role is another stack's, unless asked for.
      cloudWatchRole: logging === 'create-role',
      // Applies once deployed: CDK hashes the API's definition, policy included, into the
      // deployment's logical id, so a change of it makes a new deployment.
      policy: this.resourcePolicy(),
      deployOptions: {
        stageName: STAGE_NAME,
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        tracingEnabled: true,
        metricsEnabled: true,
        ...(accessLogs ? this.logOptions(accessLogs) : {}),
      },
      defaultCorsPreflightOptions: {
        allowOrigins: [origin],
        allowMethods: [...new Set(routes.map((route) => route.method))],
        allowHeaders: ['Content-Type', 'Authorization', 'Accept-Language', 'Idempotency-Key', 'X-Correlation-Id'],
        // As the functions' answers (shared/http/http-handler.ts `toResponse`).
        exposeHeaders: ['Retry-After', 'Idempotent-Replayed', 'X-Correlation-Id'],
        maxAge: Duration.hours(1),
      },
    });
    this.acknowledgeLogging(logging);

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
      // IAM on agent routes: the function's event then carries the caller's
      // `requestContext.identity.userArn` (the agent's role session), for the audit trail.
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

    this.grantAgentRoutes();
    this.addGatewayResponses(origin);
    this.webAcl = this.addWebAcl(origin);
  }

  /**
   * Everyone may call the API (its public and session routes), but only the agent role may
   * call anything under `/v1/agent/`: the deny also stops principals of other accounts whose
   * own policies would allow them.
   */
  private resourcePolicy(): iam.PolicyDocument {
    return new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'Everyone',
          principals: [new iam.AnyPrincipal()],
          actions: ['execute-api:Invoke'],
          resources: ['execute-api:/*'],
        }),
        new iam.PolicyStatement({
          sid: 'AgentRoutesAgentRoleOnly',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['execute-api:Invoke'],
          resources: ['execute-api:/*/*/v1/agent/*'],
          conditions: { StringNotEquals: { 'aws:PrincipalArn': this.agentRole.roleArn } },
        }),
      ],
    });
  }

  /** The created agent role may invoke exactly the agent routes (an imported role's policies are its owner's). */
  private grantAgentRoutes(): void {
    if (!(this.agentRole instanceof iam.Role)) return;
    const agentRoutes = routes.filter((route) => route.auth === 'agent');
    const resources = agentRoutes.map((route) =>
      this.restApi.arnForExecuteApi(route.method, route.path.replace(/\{\w+\}/g, '*'), STAGE_NAME),
    );
    const policy = new iam.Policy(this, 'AgentRoutesPolicy', {
      roles: [this.agentRole],
      statements: [new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources })],
    });
    Validations.of(policy).acknowledge(
      ...agentRoutes.map((route) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${this.restApiLogicalId()}>/${STAGE_NAME}/${route.method}${route.path.replace(/\{\w+\}/g, '*')}]`,
        reason: `The agent route ${route.method} ${route.path} takes the account number in its path: the wildcard stands for it, one route of one stage.`,
      })),
    );
  }

  private restApiLogicalId(): string {
    return this.restApi.stack.getLogicalId(this.restApi.node.defaultChild as apigw.CfnRestApi);
  }

  /** Execution logs at ERROR without data traces, and access logs without bodies or paths. */
  private logOptions(accessLogs: logs.LogGroup): Partial<apigw.StageOptions> {
    return {
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
    };
  }

  private acknowledgeLogging(logging: ApiLogging): void {
    if (logging === 'create-role') {
      Validations.of(this.restApi.node.findChild('CloudWatchRole')).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "API Gateway's account-level logging role uses the AWS managed policy AWS documents for it; it only lets API Gateway write its own execution logs.",
      });
    }
    if (logging === 'off') {
      Validations.of(this.restApi.deploymentStage).acknowledge(
        { id: 'AwsSolutions-APIG1', reason: 'Deployed with apiGatewayLogging=off: the account has no API Gateway CloudWatch role and this stack must not set one; Lambda logs and X-Ray traces remain.' },
        { id: 'AwsSolutions-APIG6', reason: 'Deployed with apiGatewayLogging=off: the account has no API Gateway CloudWatch role and this stack must not set one; Lambda logs and X-Ray traces remain.' },
      );
    }
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
    const table = tableGrantOf(handler);
    if (table) this.props.data.grantTable(fn, table);
    if (access.taskResponse?.length) this.props.workflow.grantTaskResponse(fn, access.taskResponse);
    if (access.startWorkflow) this.props.workflow.grantStartExecution(fn);
    if (access.email) this.props.email.grantSend(fn);
    this.functions.set(handler, fn);
    return fn;
  }

  /** API Gateway's own refusals (`GATEWAY_ANSWERS`) in the spec's error shape, readable by the portal. */
  private addGatewayResponses(origin: string): void {
    const quoted = (headers: Record<string, string>) =>
      Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, `'${value}'`]));
    for (const answer of GATEWAY_ANSWERS) {
      if (/[#$']/.test(answer.message)) throw new Error(`Gateway message of ${answer.id} must not hold # $ or ' (VTL)`);
      this.restApi.addGatewayResponse(answer.id, {
        type: answer.type,
        statusCode: answer.statusCode,
        responseHeaders: quoted({ ...corsErrorHeaders(origin), ...answer.headers }),
        // A VTL template: `code` may be a $context variable, the message is a JSON string.
        templates: { 'application/json': `{"error":{"code":"${answer.code}","message":${JSON.stringify(answer.message)}}}` },
      });
    }
  }

  /**
   * The regional web ACL of the stage, in order: per-address rate limits on the sensitive
   * routes, then on every route but the agent ones (429); bodies over the service's 16 KiB
   * (413, before any function runs); AWS's common rules, those on bodies counting only.
   */
  private addWebAcl(origin: string): wafv2.CfnWebACL {
    const visibility = (metricName: string) => ({ cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
    const headers = (extra: Record<string, string> = {}) =>
      Object.entries({ ...corsErrorHeaders(origin), ...extra }).map(([name, value]) => ({ name, value }));
    const block = (responseCode: number, customResponseBodyKey: keyof typeof WAF_BODIES, extra?: Record<string, string>) => ({
      block: { customResponse: { responseCode, customResponseBodyKey, responseHeaders: headers(extra) } },
    });
    const tooMany = block(429, 'TooManyRequests', { 'Retry-After': String(RATE_WINDOW_SECONDS) });
    // The stage name (execute-api URL) or a custom domain's base path may come first.
    const onPath = (regexString: string) => ({
      regexMatchStatement: {
        fieldToMatch: { uriPath: {} },
        regexString,
        textTransformations: [
          { priority: 0, type: 'URL_DECODE' },
          { priority: 1, type: 'NORMALIZE_PATH' },
        ],
      },
    });

    const rules: wafv2.CfnWebACL.RuleProperty[] = RATE_LIMITED_ROUTES.map((route, i) => {
      const name = `RateLimit${pascalCase(route.path.replace(/^\/v1\//, '').replace(/\//g, '-'))}`;
      return {
        name,
        priority: i,
        statement: {
          rateBasedStatement: {
            aggregateKeyType: 'IP',
            limit: RATE_LIMIT_SENSITIVE,
            evaluationWindowSec: RATE_WINDOW_SECONDS,
            scopeDownStatement: {
              andStatement: {
                statements: [
                  {
                    byteMatchStatement: {
                      fieldToMatch: { method: {} },
                      positionalConstraint: 'EXACTLY',
                      searchString: route.method,
                      textTransformations: [{ priority: 0, type: 'NONE' }],
                    },
                  },
                  onPath(`^(/[^/]+)?${escapeRegex(route.path)}/?$`),
                ],
              },
            },
          },
        },
        action: tooMany,
        visibilityConfig: visibility(name),
      };
    });
    let priority = rules.length;
    rules.push(
      {
        name: 'RateLimitPerClientAddress',
        priority: priority++,
        statement: {
          rateBasedStatement: {
            aggregateKeyType: 'IP',
            limit: RATE_LIMIT_PER_ADDRESS,
            evaluationWindowSec: RATE_WINDOW_SECONDS,
            // Agents call from a few office addresses; IAM and stage throttling cover them.
            scopeDownStatement: { notStatement: { statement: onPath('^(/[^/]+)?/v1/agent/') } },
          },
        },
        action: tooMany,
        visibilityConfig: visibility('RateLimitPerClientAddress'),
      },
      {
        // Larger bodies are refused here, so that 6–10 MB bodies never reach a function (Lambda
        // takes 6 MB); WAF inspects the first MAX_BODY_BYTES and matches any body beyond them.
        name: 'BodyTooLarge',
        priority: priority++,
        statement: {
          sizeConstraintStatement: {
            fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
            comparisonOperator: 'GT',
            size: MAX_BODY_BYTES,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
        action: block(413, 'PayloadTooLarge'),
        visibilityConfig: visibility('BodyTooLarge'),
      },
      {
        // Its other rules block with API Gateway's WAF_FILTERED answer (403 REQUEST_BLOCKED).
        name: 'AwsCommonRuleSet',
        priority: priority++,
        overrideAction: { none: {} },
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name: 'AWSManagedRulesCommonRuleSet',
            ruleActionOverrides: COMMON_RULE_SET_BODY_RULES.map((name) => ({ name, actionToUse: { count: {} } })),
          },
        },
        visibilityConfig: visibility('AwsCommonRuleSet'),
      },
    );

    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: 'Registration API: rate limits per client address, body size, AWS common rule set',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('RegistrationApi'),
      // WAF reads exactly the service's limit of each body, so that `BodyTooLarge` matches
      // bodies over it and nothing else.
      associationConfig: { requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: inspectionLimit(MAX_BODY_BYTES) } } },
      customResponseBodies: Object.fromEntries(
        Object.entries(WAF_BODIES).map(([key, error]) => [key, { contentType: 'APPLICATION_JSON', content: JSON.stringify({ error }) }]),
      ),
      rules,
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.restApi.deploymentStage.stageArn,
      webAclArn: webAcl.attrArn,
    });
    return webAcl;
  }
}

/** WAF's body inspection limit equal to `bytes` (16, 32, 48 or 64 KiB). */
function inspectionLimit(bytes: number): string {
  const kib = bytes / 1024;
  if (![16, 32, 48, 64].includes(kib)) throw new Error(`WAF inspects 16, 32, 48 or 64 KiB of a body, not ${bytes} bytes`);
  return `KB_${kib}`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
