import * as z from 'zod/mini';

/**
 * The environment, parsed once per cold start. Each function reads only the groups it needs, so
 * a function missing one of its variables fails at cold start rather than mid-request. The CDK
 * app sets these where it grants the matching access; the local stack sets them for the emulators.
 */

const nonEmpty = z.string().check(z.minLength(1));

const tableSchema = z.object({ TABLE_NAME: nonEmpty });
const workflowSchema = z.object({ STATE_MACHINE_ARN: nonEmpty });
const emailSchema = z.object({
  PORTAL_URL: z.url(),
  SENDER_EMAIL: nonEmpty,
  CUSTOMER_SERVICE_PHONE: nonEmpty,
  /** Absent locally: the SES emulator has no configuration sets. */
  SES_CONFIGURATION_SET: z.optional(z.string()),
});
const httpSchema = z.object({
  /** The portal's origin, the only one CORS allows; absent means no CORS header. */
  PORTAL_ORIGIN: z.optional(z.string()),
});

/** `make`'s value, made on the first call and kept (configuration, and what derives from it alone). */
export function memoized<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

function parseEnv<S extends z.ZodMiniType>(schema: S, group: string): z.infer<S> {
  const result = schema.safeParse(process.env);
  if (!result.success) {
    const names = result.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`Configuration (${group}) is missing or invalid: ${names}`);
  }
  return result.data;
}

/** The DynamoDB table that holds every item of the service. */
export const tableConfig = memoized(() => parseEnv(tableSchema, 'table'));
/** The Step Functions state machine that orchestrates activations. */
export const workflowConfig = memoized(() => parseEnv(workflowSchema, 'workflow'));
/** What emails need: links, sender, phone number, SES configuration set. */
export const emailConfig = memoized(() => parseEnv(emailSchema, 'email'));
/** HTTP response settings. */
export const httpConfig = memoized(() => parseEnv(httpSchema, 'http'));
