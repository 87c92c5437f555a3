import { ValidationError } from '../../shared/domain/errors';
import { addUserSchema, parseRequest } from '../../shared/http/request-schemas';

/** The problems `parseRequest` reports for `body`, as `field:code`. */
function problemsOf(body: unknown): string[] {
  try {
    parseRequest(addUserSchema, body);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return (error.fields ?? []).map((problem) => `${problem.field}:${problem.code}`);
  }
}

describe('request schemas report every problem of a body at once', () => {
  test('adding a user: a wrong role comes with the name and email problems, not in a second round', () => {
    expect(problemsOf({ name: '<b>', email: 'not-an-email', role: 'boss' })).toEqual([
      'name:NAME_INVALID',
      'email:EMAIL_INVALID',
      'role:ROLE_INVALID',
    ]);
  });

  test.each(['secondary', 'technical'])('the role %s is accepted', (role) => {
    expect(problemsOf({ name: 'Luc Gagnon', email: 'luc@example.com', role })).toEqual([]);
  });

  test.each(['holder', 'Secondary', ' technical'])('the role "%s" is refused', (role) => {
    expect(problemsOf({ name: 'Luc Gagnon', email: 'luc@example.com', role })).toEqual(['role:ROLE_INVALID']);
  });
});
