import type { Construct } from 'constructs';
import { InvalidContextError } from './context-values';
import { readPortalSettings, type PortalSettings } from './stacks/portal-stack';
import { readSettings, type RegistrationSettings } from './stacks/registration-stack';

export { checkHttpsUrl, InvalidContextError } from './context-values';

/**
 * The CDK context values of the whole app, read once before any stack is built: every problem
 * of every stack's settings is listed in one message, and `cdk synth` stops with it, without a
 * stack trace (a wrong value is the operator's to fix, not a bug).
 */

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
 * The problems an error of a settings reader stands for.
 * @throws the error itself when it is anything else (a bug, not a value to fix)
 */
function contextProblems(error: unknown): string[] {
  if (error instanceof InvalidContextError) return error.problems;
  throw error;
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
