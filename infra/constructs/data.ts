import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { ServiceFunction } from './service-function';

/** What a function may do with the table. */
export type TableAccess = 'read' | 'readWrite';

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

  /** Grants a function read or read/write access to the table and tells it the table's name. */
  grantTable(fn: ServiceFunction, access: TableAccess): void {
    if (access === 'read') this.table.grantReadData(fn);
    else this.table.grantReadWriteData(fn);
    fn.addEnvironment('TABLE_NAME', this.table.tableName);
  }
}
