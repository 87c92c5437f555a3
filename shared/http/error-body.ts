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
