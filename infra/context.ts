import type { Construct } from 'constructs';
import { readPortalSettings, type PortalSettings } from './stacks/portal-stack';
import { readSettings, type RegistrationSettings } from './stacks/registration-stack';

/**
 * The CDK context values of the whole app, read once before any stack is built: every problem
 * of every stack's settings is listed in one message, and `cdk synth` stops with it, without a
 * stack trace (a wrong value is the operator's to fix, not a bug).
 */

/** Context values that cannot be used; `problems` holds one line per value. */
export class InvalidContextError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid CDK context: ${problems.join('; ')}. Set values with -c key=value or in cdk.json "context" (see README).`);
    this.name = 'InvalidContextError';
  }
}

/** The settings of each stack of the app. */
export interface AppSettings {
  registration: RegistrationSettings;
  portal: PortalSettings;
}

/**
 * Reads every stack's settings from the context, collecting the problems of all of them.
 * @throws InvalidContextError listing every problem once
 */
export function readAppSettings(scope: Construct): AppSettings {
  const problems: string[] = [];
  const settle = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      problems.push(...contextProblems(error));
      return undefined;
    }
  };
  const registration = settle(() => readSettings(scope));
  const portal = settle(() => readPortalSettings(scope));
  // A value both stacks read (customerServicePhone) is reported once.
  if (!registration || !portal) throw new InvalidContextError([...new Set(problems)]);
  return { registration, portal };
}

/**
 * The problems an error of a settings reader stands for: an InvalidContextError's, or those of
 * the same message thrown as a plain Error (each problem starts with its quoted key).
 * @throws the error itself when it is anything else (a bug, not a value to fix)
 */
function contextProblems(error: unknown): string[] {
  if (error instanceof InvalidContextError) return error.problems;
  const text = error instanceof Error ? /^Invalid CDK context: (.*)\. Set values with -c/s.exec(error.message)?.[1] : undefined;
  if (text === undefined) throw error;
  return text.split(/; (?=")/);
}

/**
 * Checks an https URL given as a context value: every problem at once (scheme, credentials,
 * query, fragment; a bare `?` or `#` counts, though `URL` drops it). Returns the URL without
 * trailing slash and its origin when it has none.
 */
export function checkHttpsUrl(key: string, raw: string, options: { allowLocalHttp: boolean }): { problems: string[]; url?: string; origin?: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problems: [`"${key}" is not a URL (got ${JSON.stringify(raw)})`] };
  }
  const problems: string[] = [];
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(options.allowLocalHttp && url.protocol === 'http:' && local)) {
    problems.push(`"${key}" must use https${options.allowLocalHttp ? ' (http only for localhost)' : ''} (got ${JSON.stringify(raw)})`);
  }
  if (url.username || url.password) problems.push(`"${key}" must have no credentials (got ${JSON.stringify(url.origin + url.pathname)})`);
  if (url.search || raw.includes('?')) problems.push(`"${key}" must have no query (got ${JSON.stringify(raw)})`);
  if (url.hash || raw.includes('#')) problems.push(`"${key}" must have no fragment (got ${JSON.stringify(raw)})`);
  if (problems.length > 0) return { problems };
  return { problems, url: `${url.origin}${url.pathname}`.replace(/\/+$/, ''), origin: url.origin };
}

/**
 * `readAppSettings`, for the app's entry point: on invalid values, prints the one message and
 * exits with status 1 (the CDK CLI then reports the app failed, with no Node stack trace).
 */
export function readAppSettingsOrExit(scope: Construct): AppSettings {
  try {
    return readAppSettings(scope);
  } catch (error) {
    if (!(error instanceof InvalidContextError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

/**
 * Drops the "Bundling asset <path>..." line aws-cdk-lib writes to stderr for each of the ~30
 * functions: the CDK CLI relays an app's stderr even under `cdk synth --quiet`, and that line
 * has no switch. Everything else on stderr (esbuild warnings, errors) goes through.
 */
export function quietAssetBundling(): void {
  const write = process.stderr.write.bind(process.stderr) as (...args: unknown[]) => boolean;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && /^Bundling asset \S+\.\.\.\n$/.test(chunk) ? true : write(chunk, ...rest)) as typeof process.stderr.write;
}
