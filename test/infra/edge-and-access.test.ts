import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { keys } from '../../shared/adapters/dynamodb-keys';
import { MAX_BODY_BYTES, fallbackHandler, routes } from '../../shared/http/routes';
import {
  COMMON_RULE_SET_BODY_RULES,
  GATEWAY_ANSWERS,
  RATE_LIMITED_ROUTES,
  RATE_LIMIT_PER_ADDRESS,
  RATE_LIMIT_SENSITIVE,
  RATE_WINDOW_SECONDS,
  STAGE_NAME,
} from '../../infra/constructs/api';
import { KEY_PREFIXES } from '../../infra/constructs/data';
import { PROJECT_ROOT, ServiceFunction } from '../../infra/constructs/service-function';
import { RegistrationStack } from '../../infra/stacks/registration-stack';

/**
 * What API Gateway and WAF answer themselves (spec error shape, CORS), who may call the agent
 * routes, and which items each function may touch (DynamoDB leading keys, checked against the
 * adapters each handler builds).
 */
const cdkJsonContext = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
const ORIGIN = 'https://portal.example.com';
const WORKFLOW_HANDLERS = readdirSync(path.join(PROJECT_ROOT, 'functions', 'workflow'))
  .filter((file) => file.endsWith('.handler.ts'))
  .map((file) => file.replace(/\.handler\.ts$/, ''));
const EVENT_HANDLERS = readdirSync(path.join(PROJECT_ROOT, 'functions', 'events'))
  .filter((file) => file.endsWith('.handler.ts'))
  .map((file) => file.replace(/\.handler\.ts$/, ''));
const API_HANDLERS = [...new Set([...routes.map((route) => route.handler), fallbackHandler])];
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

function build(context: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...cdkJsonContext, ...context } });
  const stack = new RegistrationStack(app, 'EdgeTest');
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

describe('API Gateway and WAF answers', () => {
  let built: ReturnType<typeof build>;
  beforeAll(() => {
    built = build();
  });
  const ofType = (type: string) => Object.values(built.resources).filter((resource) => resource.Type === type);

  it('answers every refusal of API Gateway in the error shape of the spec, readable by the portal', () => {
    const responses = ofType('AWS::ApiGateway::GatewayResponse').map((resource) => resource.Properties);
    expect(responses.map((response) => response.ResponseType).sort()).toEqual(GATEWAY_ANSWERS.map((answer) => answer.type.responseType).sort());
    for (const response of responses) {
      const body = response.ResponseTemplates['application/json'] as string;
      // The template is JSON once API Gateway substitutes $context.error.responseType.
      const parsed = JSON.parse(body.replace('$context.error.responseType', 'BAD_REQUEST_BODY'));
      expect(parsed).toEqual({ error: { code: expect.stringMatching(/^[A-Z_]+$/), message: expect.stringMatching(/ \/ /) } });
      expect(response.ResponseParameters).toMatchObject({
        'gatewayresponse.header.Access-Control-Allow-Origin': `'${ORIGIN}'`,
        'gatewayresponse.header.Access-Control-Expose-Headers': "'Retry-After'",
        'gatewayresponse.header.Vary': "'Origin'",
      });
    }
  });

  it.each([
    ['MISSING_AUTHENTICATION_TOKEN', '401', 'UNAUTHENTICATED'],
    ['INVALID_SIGNATURE', '401', 'UNAUTHENTICATED'],
    ['EXPIRED_TOKEN', '401', 'UNAUTHENTICATED'],
    ['UNAUTHORIZED', '401', 'UNAUTHENTICATED'],
    ['ACCESS_DENIED', '403', 'FORBIDDEN'],
    ['WAF_FILTERED', '403', 'REQUEST_BLOCKED'],
    ['RESOURCE_NOT_FOUND', '404', 'NOT_FOUND'],
    ['REQUEST_TOO_LARGE', '413', 'PAYLOAD_TOO_LARGE'],
    ['UNSUPPORTED_MEDIA_TYPE', '415', 'UNSUPPORTED_MEDIA_TYPE'],
    ['THROTTLED', '429', 'TOO_MANY_REQUESTS'],
    ['DEFAULT_5XX', undefined, 'INTERNAL_ERROR'],
  ])('answers %s with %s %s', (type, status, code) => {
    built.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: type,
      StatusCode: status ?? Match.absent(),
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp(`^\\{"error":\\{"code":"${code}","message":"`) },
    });
  });

  it('tells a throttled client when to retry', () => {
    built.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'THROTTLED',
      ResponseParameters: Match.objectLike({ 'gatewayresponse.header.Retry-After': "'1'" }),
    });
  });

  it('lets the portal send Idempotency-Key and read Retry-After (preflight)', () => {
    const options = ofType('AWS::ApiGateway::Method').filter((method) => method.Properties.HttpMethod === 'OPTIONS');
    expect(options.length).toBeGreaterThan(0);
    for (const method of options) {
      const headers = method.Properties.Integration.IntegrationResponses[0].ResponseParameters as Record<string, string>;
      expect(headers['method.response.header.Access-Control-Allow-Origin']).toBe(`'${ORIGIN}'`);
      expect(headers['method.response.header.Access-Control-Allow-Headers']).toMatch(/\bIdempotency-Key\b/);
      expect(headers['method.response.header.Access-Control-Expose-Headers']).toMatch(/^'Retry-After\b/);
      for (const verb of new Set(routes.map((route) => route.method))) {
        expect(headers['method.response.header.Access-Control-Allow-Methods']).toContain(verb);
      }
    }
  });

  describe('web ACL', () => {
    const webAcl = () => ofType('AWS::WAFv2::WebACL')[0]!.Properties;
    const rule = (name: string) => (webAcl().Rules as Record<string, any>[]).find((r) => r.Name === name)!;
    const bodyOf = (key: string) => JSON.parse(webAcl().CustomResponseBodies[key].Content);
    const headersOf = (r: Record<string, any>) =>
      Object.fromEntries((r.Action.Block.CustomResponse.ResponseHeaders as { Name: string; Value: string }[]).map((h) => [h.Name, h.Value]));

    it('answers its blocks with the spec error body, CORS headers and, for rate limits, Retry-After', () => {
      const blocking = (webAcl().Rules as Record<string, any>[]).filter((r) => r.Action?.Block);
      expect(blocking.length).toBeGreaterThanOrEqual(RATE_LIMITED_ROUTES.length + 2);
      for (const r of blocking) {
        const response = r.Action.Block.CustomResponse;
        expect(bodyOf(response.CustomResponseBodyKey)).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
        expect(webAcl().CustomResponseBodies[response.CustomResponseBodyKey].ContentType).toBe('APPLICATION_JSON');
        expect(headersOf(r)).toMatchObject({ 'Access-Control-Allow-Origin': ORIGIN, 'Access-Control-Expose-Headers': 'Retry-After' });
        if (response.ResponseCode === 429) {
          expect(headersOf(r)['Retry-After']).toBe(String(RATE_WINDOW_SECONDS));
          expect(bodyOf(response.CustomResponseBodyKey).error.code).toBe('TOO_MANY_REQUESTS');
        }
      }
    });

    it('limits each sensitive route per client address, more strictly than the rest', () => {
      expect(RATE_LIMIT_SENSITIVE).toBeLessThan(RATE_LIMIT_PER_ADDRESS);
      for (const route of RATE_LIMITED_ROUTES) {
        const matching = (webAcl().Rules as Record<string, any>[]).filter((r) => {
          const scope = r.Statement.RateBasedStatement?.ScopeDownStatement?.AndStatement?.Statements as Record<string, any>[] | undefined;
          if (!scope) return false;
          const method = scope.find((s) => s.ByteMatchStatement)?.ByteMatchStatement;
          const pathRegex = new RegExp(scope.find((s) => s.RegexMatchStatement)!.RegexMatchStatement.RegexString);
          return method.SearchString === route.method && pathRegex.test(`/${STAGE_NAME}${route.path}`) && pathRegex.test(route.path);
        });
        expect(matching).toHaveLength(1);
        expect(matching[0]!.Statement.RateBasedStatement).toMatchObject({
          AggregateKeyType: 'IP',
          Limit: RATE_LIMIT_SENSITIVE,
          EvaluationWindowSec: RATE_WINDOW_SECONDS,
        });
        expect(matching[0]!.Action.Block.CustomResponse.ResponseCode).toBe(429);
        const regex = new RegExp(matching[0]!.Statement.RateBasedStatement.ScopeDownStatement.AndStatement.Statements[1].RegexMatchStatement.RegexString);
        expect(regex.test(`/${STAGE_NAME}${route.path}/more`)).toBe(false);
      }
    });

    it('limits every route per client address except the agent routes', () => {
      const general = rule('RateLimitPerClientAddress');
      expect(general.Statement.RateBasedStatement).toMatchObject({ AggregateKeyType: 'IP', Limit: RATE_LIMIT_PER_ADDRESS });
      const excluded = new RegExp(general.Statement.RateBasedStatement.ScopeDownStatement.NotStatement.Statement.RegexMatchStatement.RegexString);
      for (const route of routes) {
        const concrete = route.path.replace(/\{\w+\}/g, '123456789');
        expect(excluded.test(`/${STAGE_NAME}${concrete}`)).toBe(route.auth === 'agent');
        expect(excluded.test(concrete)).toBe(route.auth === 'agent');
      }
    });

    it('refuses bodies over the service limit with 413 before any function runs', () => {
      expect(webAcl().AssociationConfig).toEqual({ RequestBody: { API_GATEWAY: { DefaultSizeInspectionLimit: `KB_${MAX_BODY_BYTES / 1024}` } } });
      const size = rule('BodyTooLarge');
      expect(size.Statement.SizeConstraintStatement).toMatchObject({
        FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
        ComparisonOperator: 'GT',
        Size: MAX_BODY_BYTES,
      });
      expect(size.Action.Block.CustomResponse.ResponseCode).toBe(413);
      expect(bodyOf(size.Action.Block.CustomResponse.CustomResponseBodyKey).error.code).toBe('PAYLOAD_TOO_LARGE');
      // Rate limits count every request, large ones too: they come first.
      expect(size.Priority).toBeGreaterThan(rule('RateLimitPerClientAddress').Priority);
    });

    it('only counts the common rule set rules that inspect bodies (the service validates every field)', () => {
      const common = rule('AwsCommonRuleSet').Statement.ManagedRuleGroupStatement;
      expect(common.Name).toBe('AWSManagedRulesCommonRuleSet');
      expect(common.RuleActionOverrides).toEqual(COMMON_RULE_SET_BODY_RULES.map((name) => ({ Name: name, ActionToUse: { Count: {} } })));
      expect(COMMON_RULE_SET_BODY_RULES).toEqual(expect.arrayContaining(['GenericLFI_BODY', 'CrossSiteScripting_BODY', 'SizeRestrictions_BODY']));
    });

    it('has rules of unique names and priorities', () => {
      const rules = webAcl().Rules as Record<string, any>[];
      expect(new Set(rules.map((r) => r.Name)).size).toBe(rules.length);
      expect(new Set(rules.map((r) => r.Priority)).size).toBe(rules.length);
    });
  });
});

describe('agent routes', () => {
  const policyOf = (resources: Record<string, Resource>) =>
    Object.values(resources).find((r) => r.Type === 'AWS::ApiGateway::RestApi')!.Properties.Policy.Statement as (Statement & { Principal: unknown })[];

  it('lets everyone call the API but only the agent role call /v1/agent/*, and outputs the role', () => {
    const { template, resources, stack } = build();
    const statements = policyOf(resources);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/*' }),
    );
    const deny = statements.find((s) => s.Effect === 'Deny')!;
    expect(deny).toMatchObject({ Principal: { AWS: '*' }, Action: 'execute-api:Invoke', Resource: 'execute-api:/*/*/v1/agent/*' });
    const roleId = stack.getLogicalId(stack.api.agentRole.node.defaultChild as never);
    expect(deny.Condition).toEqual({ StringNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [roleId, 'Arn'] } } });
    expect(template.toJSON().Outputs.AgentRoleArn.Value).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });

    // The role may invoke exactly the agent routes, of this API and stage.
    const rolePolicies = Object.values(resources).filter(
      (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId),
    );
    const invoke = rolePolicies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    expect(invoke).toHaveLength(1);
    expect(invoke[0]!.Action).toBe('execute-api:Invoke');
    const arns = (invoke[0]!.Resource as unknown[]).map((arn) => JSON.stringify(arn));
    const agentRoutes = routes.filter((route) => route.auth === 'agent');
    expect(arns).toHaveLength(agentRoutes.length);
    for (const route of agentRoutes) {
      expect(arns.some((arn) => arn.includes(`/${STAGE_NAME}/${route.method}${route.path.replace(/\{\w+\}/g, '*')}"`))).toBe(true);
    }
    // Assumed from this account only, by whoever its administrators allow.
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Action: 'sts:AssumeRole', Principal: { AWS: Match.anyValue() } })],
      },
      Description: Match.stringLikeRegexp('Customer Service agents'),
    });
  });

  it('takes an existing agent role from the agentRoleArn context value instead of creating one', () => {
    const arn = 'arn:aws:iam::123456789012:role/service-desk/CustomerServiceAgent';
    const { template, resources } = build({ agentRoleArn: arn });
    const deny = policyOf(resources).find((s) => s.Effect === 'Deny')!;
    expect(deny.Condition).toEqual({ StringNotEquals: { 'aws:PrincipalArn': arn } });
    expect(template.toJSON().Outputs.AgentRoleArn.Value).toBe(arn);
    expect(JSON.stringify(template.findResources('AWS::IAM::Role'))).not.toContain('Customer Service agents');

    // The resource policy takes effect on deployment: another role makes another deployment.
    const deploymentOf = (t: Template) => Object.keys(t.findResources('AWS::ApiGateway::Deployment'));
    const other = build({ agentRoleArn: 'arn:aws:iam::123456789012:role/OtherAgents' }).template;
    expect(deploymentOf(other)).toHaveLength(1);
    expect(deploymentOf(other)).not.toEqual(deploymentOf(template));
  });

  it('authorizes agent routes with IAM, so that their events carry the caller (requestContext.identity.userArn)', () => {
    const { resources } = build();
    const iamMethods = Object.values(resources).filter(
      (r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties.AuthorizationType === 'AWS_IAM',
    );
    expect(iamMethods).toHaveLength(routes.filter((route) => route.auth === 'agent').length);
  });
});

describe('API Gateway logging', () => {
  it('leaves the account-wide API Gateway CloudWatch role alone by default, and still logs', () => {
    const { template } = build();
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: Match.arrayWith([Match.objectLike({ LoggingLevel: 'ERROR' })]),
    });
  });

  it('sets the account role only with apiGatewayLogging=create-role', () => {
    build({ apiGatewayLogging: 'create-role' }).template.resourceCountIs('AWS::ApiGateway::Account', 1);
  });

  it('logs nothing from API Gateway with apiGatewayLogging=off', () => {
    const { template, resources } = build({ apiGatewayLogging: 'off' });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGateway::Stage')!.Properties;
    expect(stage.AccessLogSetting).toBeUndefined();
    for (const setting of stage.MethodSettings ?? []) expect(setting.LoggingLevel).toBeUndefined();
  });
});

describe('table access by leading key', () => {
  let built: ReturnType<typeof build>;
  beforeAll(() => {
    built = build();
  });

  const functionIdOf = (handler: string): string => {
    const construct = built.stack.node
      .findAll()
      .find((c): c is ServiceFunction => c instanceof ServiceFunction && c.node.id === `${pascal(handler)}Function`);
    if (!construct) throw new Error(`no function for ${handler}`);
    return built.stack.getLogicalId(construct.function.node.defaultChild as never);
  };
  const statementsOf = (handler: string): Statement[] => {
    const roleId = built.resources[functionIdOf(handler)]!.Properties.Role['Fn::GetAtt'][0];
    return Object.values(built.resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  };
  const tableStatements = (handler: string) =>
    statementsOf(handler).filter((s) => [s.Action].flat().some((action) => action.startsWith('dynamodb:')));
  const leadingKinds = (statement: Statement): string[] =>
    ((statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? []) as string[]).map((key) => key.replace(/#\*$/, ''));
  const kindsFor = (handler: string, action: string): string[] =>
    tableStatements(handler)
      .filter((s) => [s.Action].flat().includes(action))
      .flatMap(leadingKinds)
      .sort();

  it('limits every table statement of every function to partition-key kinds, and never allows a scan', () => {
    const all = [...API_HANDLERS, ...WORKFLOW_HANDLERS, ...EVENT_HANDLERS];
    for (const handler of all) {
      for (const statement of tableStatements(handler)) {
        const actions = [statement.Action].flat();
        expect(actions).not.toContain('dynamodb:Scan');
        expect(actions.some((action) => action.includes('*'))).toBe(false);
        expect(statement.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataTable/), 'Arn'] });
        expect(Object.keys(statement.Condition ?? {})).toEqual(['ForAllValues:StringLike']);
        const kinds = leadingKinds(statement);
        expect(kinds.length).toBeGreaterThan(0);
        for (const kind of kinds) expect(KEY_PREFIXES).toContain(kind);
      }
    }
    const everyAction = Object.values(built.resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((p) => (p.Properties.PolicyDocument.Statement as Statement[]).flatMap((s) => [s.Action].flat()));
    expect(everyAction).not.toContain('dynamodb:Scan');
  });

  it('knows every kind of partition key the adapters write', () => {
    for (const builder of Object.values(keys)) {
      expect(KEY_PREFIXES).toContain((builder as unknown as (...args: string[]) => { pk: string })('a', 'b').pk.split('#')[0]);
    }
  });

  it.each([...API_HANDLERS.map((h) => ['api', h]), ...WORKFLOW_HANDLERS.map((h) => ['workflow', h]), ...EVENT_HANDLERS.map((h) => ['events', h])])(
    'lets %s function %s read the kinds of the adapters it builds, write a subset, and keep idempotency records on state-changing routes',
    (group, handler) => {
      const source = readFileSync(path.join(PROJECT_ROOT, 'functions', group, `${handler}.handler.ts`), 'utf8');
      const expected = new Set<string>();
      for (const [, builder] of source.matchAll(/\badapters\.(\w+)\(/g)) for (const kind of adapterKinds(builder!)) expected.add(kind);
      const changesState = routes.some((route) => route.handler === handler && STATE_CHANGING.has(route.method));
      if (/\bidempotency\(/.test(source)) expect(changesState).toBe(true);
      if (changesState) expected.add('IDEMPOTENCY');

      const read = kindsFor(handler, 'dynamodb:GetItem');
      const write = kindsFor(handler, 'dynamodb:PutItem');
      // Reads cover every kind the adapters it builds can touch: a kind missing here is an
      // AccessDenied on AWS only (no emulator checks IAM).
      if (read.join() !== [...expected].sort().join()) {
        throw new Error(
          `${handler} reads ${read.join(', ') || 'nothing'}; the adapters it builds touch ${[...expected].sort().join(', ') || 'nothing'}: ` +
            'make its `read` exactly those (HANDLER_ACCESS in infra/constructs/api.ts, STEPS in infra/constructs/workflow.ts, ' +
            '`Email.recordFeedback` in infra/constructs/email.ts)',
        );
      }
      for (const kind of write) expect(read).toContain(kind);
      expect(write.includes('IDEMPOTENCY')).toBe(changesState);
      expect(kindsFor(handler, 'dynamodb:UpdateItem')).toEqual(write);
      expect(kindsFor(handler, 'dynamodb:DeleteItem')).toEqual(write);
      if (read.length === 0) expect(tableStatements(handler)).toEqual([]);
    },
  );

  it('gives read-only handlers no writes but their idempotency records', () => {
    expect(kindsFor('verify-activation', 'dynamodb:PutItem')).toEqual(['IDEMPOTENCY']);
    expect(kindsFor('agent-registration-status', 'dynamodb:PutItem')).toEqual([]);
    expect(kindsFor('list-account-users', 'dynamodb:PutItem')).toEqual([]);
    expect(kindsFor('username-availability', 'dynamodb:PutItem')).toEqual(['RATE']);
    expect(kindsFor('sign-out', 'dynamodb:PutItem')).toEqual(['IDEMPOTENCY', 'SESSION']);
  });
});

const ADAPTERS_DIR = path.join(PROJECT_ROOT, 'shared', 'adapters');
const NOT_ADAPTERS = new Set(['dynamodb-keys', 'dynamodb-transactions']);

/** The partition-key kinds a builder of `shared/adapters/composition.ts` reaches, read from the code. */
function adapterKinds(builder: string): Set<string> {
  const composition = readFileSync(path.join(ADAPTERS_DIR, 'composition.ts'), 'utf8');
  const constant = new RegExp(`export const ${builder} = \\(\\) => new (\\w+)\\(`).exec(composition);
  if (constant) {
    const file = readdirSync(ADAPTERS_DIR).find((name) =>
      readFileSync(path.join(ADAPTERS_DIR, name), 'utf8').includes(`export class ${constant[1]} `),
    );
    if (!file) throw new Error(`no file defines ${constant[1]}`);
    return fileKinds(file.replace(/\.ts$/, ''));
  }
  const fn = new RegExp(`export function ${builder}\\(\\)[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(composition);
  if (!fn) throw new Error(`composition.ts has no builder ${builder}`);
  const kinds = new Set<string>();
  for (const [, inner] of fn[1]!.matchAll(/\b(\w+)\(\)/g)) {
    if (inner !== builder && new RegExp(`export (const|function) ${inner}\\b`).test(composition)) {
      for (const kind of adapterKinds(inner!)) kinds.add(kind);
    }
  }
  return kinds;
}

/** The kinds of `keys.*` an adapter file uses, with those of the adapter files it imports. */
function fileKinds(stem: string, seen = new Set<string>()): Set<string> {
  const kinds = new Set<string>();
  if (seen.has(stem)) return kinds;
  seen.add(stem);
  const source = readFileSync(path.join(ADAPTERS_DIR, `${stem}.ts`), 'utf8');
  for (const [, name] of source.matchAll(/\bkeys\.(\w+)\(/g)) {
    const builder = (keys as unknown as Record<string, (...args: string[]) => { pk: string }>)[name!];
    if (!builder) throw new Error(`${stem}: keys.${name} does not exist`);
    kinds.add(builder('a', 'b').pk.split('#')[0]!);
  }
  for (const [, imported] of source.matchAll(/from '\.\/([\w-]+)'/g)) {
    if (NOT_ADAPTERS.has(imported!)) continue;
    for (const kind of fileKinds(imported!, seen)) kinds.add(kind);
  }
  return kinds;
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_match, _dash, char: string) => char.toUpperCase());
}
