import type { AppError } from '../domain/errors';
import { message, type MessageLanguage } from './messages';

/** The spec's error body; `fields` only on `VALIDATION_FAILED`. */
export function errorBody(error: AppError, language: MessageLanguage) {
  return {
    error: {
      code: error.code,
      message: message(error.code, language, error.params),
      ...(error.code === 'VALIDATION_FAILED'
        ? {
            fields: (error.fields ?? []).map((problem) => ({
              field: problem.field,
              code: problem.code,
              message: message(problem.code, language, problem.params),
            })),
          }
        : {}),
    },
  };
}

/**
 * A JSON response body as sent: the value, then a newline, so that a body printed by `curl`
 * ends its line instead of running into the shell's prompt.
 */
export function jsonResponseText(body: unknown): string {
  return `${JSON.stringify(body)}\n`;
}
