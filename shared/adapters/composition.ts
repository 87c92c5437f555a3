import { emailConfig, tableConfig, workflowConfig } from '../config';
import { authenticate } from '../domain/sessions';
import type { Authenticator } from '../http/http-handler';
import { systemClock } from './system-clock';
import { Argon2PasswordHasher } from './argon2-password-hasher';
import { dynamoDbClient, sesClient, sfnClient } from './aws-clients';
import { DynamoDbAccountDirectory } from './dynamodb-accounts';
import { DynamoDbActivationStore } from './dynamodb-activations';
import { DynamoDbAuditLog } from './dynamodb-audit-log';
import { DynamoDbLockoutStore } from './dynamodb-lockouts';
import { DynamoDbLoginStore } from './dynamodb-logins';
import { DynamoDbPeopleStore } from './dynamodb-people';
import { DynamoDbRateLimiter } from './dynamodb-rate-limiter';
import { DynamoDbSessionStore } from './dynamodb-sessions';
import { SesNotifier } from './ses-notifier';
import { StepFunctionsWorkflow } from './step-functions-workflow';

/**
 * Builders of the domain's ports on AWS, for the handlers' composition roots (module scope, so
 * once per cold start). Each reads only the configuration group it needs.
 */
export const adapters = {
  accounts: () => new DynamoDbAccountDirectory(dynamoDbClient(), tableConfig().TABLE_NAME),
  activations: () => new DynamoDbActivationStore(dynamoDbClient(), tableConfig().TABLE_NAME),
  logins: () => new DynamoDbLoginStore(dynamoDbClient(), tableConfig().TABLE_NAME),
  audit: () => new DynamoDbAuditLog(dynamoDbClient(), tableConfig().TABLE_NAME),
  rateLimiter: () => new DynamoDbRateLimiter(dynamoDbClient(), tableConfig().TABLE_NAME),
  people: () => new DynamoDbPeopleStore(dynamoDbClient(), tableConfig().TABLE_NAME),
  lockouts: () => new DynamoDbLockoutStore(dynamoDbClient(), tableConfig().TABLE_NAME),
  sessions: () => new DynamoDbSessionStore(dynamoDbClient(), tableConfig().TABLE_NAME),
  passwords: () => new Argon2PasswordHasher(),
  workflow: () => new StepFunctionsWorkflow(sfnClient(), workflowConfig().STATE_MACHINE_ARN),
  /** The bearer-token check of session routes. */
  authenticator: (): Authenticator => {
    const deps = { sessions: adapters.sessions(), logins: adapters.logins(), clock: systemClock };
    return (authorization) => authenticate(deps, authorization);
  },
  notifier: () => {
    const config = emailConfig();
    return new SesNotifier(sesClient(), {
      portalUrl: config.PORTAL_URL,
      senderEmail: config.SENDER_EMAIL,
      customerServicePhone: config.CUSTOMER_SERVICE_PHONE,
      configurationSet: config.SES_CONFIGURATION_SET || undefined,
    });
  },
};
