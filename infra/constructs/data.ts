import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ServiceFunction } from './service-function';

/**
 * The kinds of partition key of the table, the part before the first `#`
 * (`shared/adapters/dynamodb-keys.ts`; `IDEMPOTENCY#<route>` holds `Idempotency-Key` records, see
 * `shared/http/idempotency.ts`). IAM limits each function to the kinds it uses.
 */
export const KEY_PREFIXES = ['ACCOUNT', 'ACTIVATION', 'USER', 'USERNAME', 'SESSION', 'LOCKOUT', 'RATE', 'RESET', 'SUPPRESSED', 'IDEMPOTENCY'] as const;
export type KeyPrefix = (typeof KEY_PREFIXES)[number];

/**
 * What a function may do with the table: read items whose partition key starts with one of
 * `read` (`ACCOUNT` → `ACCOUNT#…`), and write (put, update, delete) those of `write`. Writing a
 * kind implies reading it (conditional writes read back what failed their condition).
 */
export interface TableGrant {
  readonly read: readonly KeyPrefix[];
  readonly write: readonly KeyPrefix[];
}

// No Scan (nothing scans; a scan has no leading key to check), no batch writes (none are made),
// no stream actions (no stream). Transactions are authorized item by item with these actions.
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

/**
 * The service's one DynamoDB table (single-table design: `pk`/`sk` strings). On demand,
 * point-in-time recovery, encrypted with the AWS managed key, kept when the stack is deleted.
 * TTL on `ttl` only tidies up: deletion lags by up to two days, so code checks expiry itself.
 */
export class Data extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'ttl',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Grants a function the table access of `grant`, each statement limited to its partition-key
   * kinds by `dynamodb:LeadingKeys`, and tells the function the table's name.
   */
  grantTable(fn: ServiceFunction, grant: TableGrant): void {
    const read = unique([...grant.read, ...grant.write]);
    const write = unique(grant.write);
    if (read.length === 0) throw new Error(`${fn.node.path}: a table grant needs at least one key prefix`);
    fn.role.addToPrincipalPolicy(this.leadingKeysStatement(TABLE_READ_ACTIONS, read));
    if (write.length > 0) fn.role.addToPrincipalPolicy(this.leadingKeysStatement(TABLE_WRITE_ACTIONS, write));
    fn.addEnvironment('TABLE_NAME', this.table.tableName);
  }

  private leadingKeysStatement(actions: string[], prefixes: readonly KeyPrefix[]): iam.PolicyStatement {
    return new iam.PolicyStatement({
      actions,
      resources: [this.table.tableArn],
      // Every partition key the request touches (all keys of a batch) must be of these kinds.
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}#*`) } },
    });
  }
}

function unique(prefixes: readonly KeyPrefix[]): KeyPrefix[] {
  return KEY_PREFIXES.filter((prefix) => prefixes.includes(prefix));
}
