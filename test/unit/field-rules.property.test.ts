import fc from 'fast-check';
import { checkPassword, checkUsername, normalizeAccountNumber, normalizePostalCode, usernameKey } from '../../shared/domain/field-rules';
import { suggestionCandidates } from '../../shared/domain/username-availability';
import { parseRequest, tokenRegistrationSchema } from '../../shared/http/request-schemas';

/** The field rules against independent oracles, on generated input. */
const usernameChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-'.split(''));
const refusedInPassword = fc.constantFrom(' ', '=', '+', '<', '>', '#', '@', '\t', '\n', '\u0000', '\u007f', '\u00a0');

describe('field rules (properties)', () => {
  it('accepts every username of 8–50 allowed characters, in any case, as the same key', () => {
    fc.assert(
      fc.property(fc.array(usernameChar, { minLength: 8, maxLength: 50 }), (chars) => {
        const username = chars.join('');
        expect(checkUsername(username)).toEqual([]);
        expect(usernameKey(username.toUpperCase())).toBe(usernameKey(username));
      }),
    );
  });

  it('refuses any username with a character outside the allowed set, and names that character', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8, maxLength: 40 }), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }), (text, char) => {
        fc.pre(!/^[A-Za-z0-9._-]$/.test(char));
        const problems = checkUsername(`${text}${char}`);
        const invalid = problems.find((p) => p.code === 'USERNAME_INVALID_CHARACTERS');
        expect(invalid).toBeDefined();
        expect(String(invalid!.params!.characters)).toContain(/\s/u.test(char) ? '[espace]' : char);
      }),
    );
  });

  it('agrees with a plain oracle on passwords', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24, unit: 'grapheme' }), (password) => {
        const length = [...password].length;
        const expected = [
          length < 6 && 'PASSWORD_TOO_SHORT',
          length > 16 && 'PASSWORD_TOO_LONG',
          !/\p{L}/u.test(password) && 'PASSWORD_LETTER_REQUIRED',
          !/[0-9]/.test(password) && 'PASSWORD_DIGIT_REQUIRED',
          /[\s=+<>#@\p{Cc}]/u.test(password) && 'PASSWORD_INVALID_CHARACTERS',
        ].filter(Boolean);
        expect(checkPassword(password).map((p) => p.code)).toEqual(expected);
      }),
    );
  });

  it('refuses a password holding any refused character, wherever it stands', () => {
    fc.assert(
      fc.property(fc.nat({ max: 6 }), refusedInPassword, (at, char) => {
        const password = 'abcde12'.slice(0, at) + char + 'abcde12'.slice(at);
        expect(checkPassword(password).map((p) => p.code)).toContain('PASSWORD_INVALID_CHARACTERS');
      }),
    );
  });

  it('normalizes account numbers and postal codes idempotently', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (text) => {
        const account = normalizeAccountNumber(text);
        if (account) expect(normalizeAccountNumber(account)).toBe(account);
        const postal = normalizePostalCode(text);
        if (postal) expect(normalizePostalCode(postal)).toBe(postal);
      }),
    );
  });

  it('suggests only valid usernames, whatever was typed', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120, unit: 'grapheme' }), (typed) => {
        for (const candidate of suggestionCandidates(typed)) expect(checkUsername(candidate)).toEqual([]);
      }),
    );
  });

  it('never throws anything but a ValidationError on any JSON body', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        try {
          parseRequest(tokenRegistrationSchema, body);
        } catch (error) {
          expect((error as { code?: string }).code).toBe('VALIDATION_FAILED');
        }
      }),
    );
  });
});
