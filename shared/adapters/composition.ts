import { emailConfig, tableConfig, workflowConfig } from '../config';
import { authenticate } from '../domain/sessions';
import type { Authenticator } from '../http/http-handler';
import { systemClock } from './system-clock';
import { Argon2PasswordHasher } from './argon2-password-hasher';
import { dynamoDbClient, onFirstUse, sesClient, sfnClient } from './aws-clients';
import { DynamoDbAccountDirectory } from './dynamodb-accounts';
import { DynamoDbActivationStore } from './dynamodb-activations';
import { DynamoDbAuditLog } from './dynamodb-audit-log';
import { DynamoDbLockoutStore } from './dynamodb-lockouts';
import { DynamoDbLoginStore } from './dynamodb-logins';
import { DynamoDbPasswordResetStore } from './dynamodb-password-resets';
import { DynamoDbPeopleStore } from './dynamodb-people';
import { DynamoDbRateLimiter } from './dynamodb-rate-limiter';
import { DynamoDbSessionStore } from './dynamodb-sessions';
import { DynamoDbSuppressionList } from './dynamodb-suppression-list';
import { SesNotifier, SesRecoveryNotifier, type SesNotifierSettings } from './ses-notifier';
import { StepFunctionsWorkflow } from './step-functions-workflow';

/**
 * Builders of the domain's ports on AWS, for the handlers' composition roots (module scope, so
 * once per cold start). Each reads only the configuration group it needs. Handlers import this
 * module as a namespace (`import * as adapters`), so each bundle keeps only the builders it calls.
 */
const table = () => tableConfig().TABLE_NAME;

export const accounts = () => new DynamoDbAccountDirectory(dynamoDbClient(), table());
export const activations = () => new DynamoDbActivationStore(dynamoDbClient(), table());
export const logins = () => new DynamoDbLoginStore(dynamoDbClient(), table());
export const audit = () => new DynamoDbAuditLog(dynamoDbClient(), table());
export const rateLimiter = () => new DynamoDbRateLimiter(dynamoDbClient(), table());
export const people = () => new DynamoDbPeopleStore(dynamoDbClient(), table());
export const lockouts = () => new DynamoDbLockoutStore(dynamoDbClient(), table());
export const sessions = () => new DynamoDbSessionStore(dynamoDbClient(), table());
export const passwordResets = () => new DynamoDbPasswordResetStore(dynamoDbClient(), table());
export const suppressionList = () => new DynamoDbSuppressionList(dynamoDbClient(), table());
export const passwords = () => new Argon2PasswordHasher();
// Step Functions and SES clients are created on first use: many requests end without either.
export const workflow = () => new StepFunctionsWorkflow(onFirstUse(sfnClient), workflowConfig().STATE_MACHINE_ARN);

/** The bearer-token check of session routes. */
export function authenticator(): Authenticator {
  const deps = { sessions: sessions(), logins: logins(), clock: systemClock };
  return (authorization) => authenticate(deps, authorization);
}

/** What both SES notifiers send with: the sender, links, phone number and configuration set. */
function emailSettings(): SesNotifierSettings {
  const config = emailConfig();
  return {
    portalUrl: config.PORTAL_URL,
    senderEmail: config.SENDER_EMAIL,
    customerServicePhone: config.CUSTOMER_SERVICE_PHONE,
    configurationSet: config.SES_CONFIGURATION_SET || undefined,
  };
}

/** The account emails through SES, checking the suppression list (`SUPPRESSED#…` items) before each send. */
export function notifier(): SesNotifier {
  return new SesNotifier(onFirstUse(sesClient), emailSettings(), suppressionList());
}

/** Account recovery's emails through SES, checking the same suppression list. */
export function recoveryNotifier(): SesRecoveryNotifier {
  return new SesRecoveryNotifier(onFirstUse(sesClient), emailSettings(), suppressionList());
}
