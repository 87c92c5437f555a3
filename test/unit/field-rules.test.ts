import {
  checkAccountNumber,
  checkEmail,
  checkName,
  checkPassword,
  checkPostalCode,
  checkUsername,
  maskAccountNumber,
  normalizeAccountNumber,
  normalizePostalCode,
  usernameKey,
} from '../../shared/domain/field-rules';

const codes = (problems: { code: string }[]) => problems.map((p) => p.code);

describe('checkUsername', () => {
  it('accepts 8 and 50 characters of letters, digits and . - _', () => {
    expect(checkUsername('abcd.e_1')).toEqual([]);
    expect(checkUsername('a-'.repeat(25))).toEqual([]);
  });
  it('refuses 7 characters and 51 characters', () => {
    expect(codes(checkUsername('abcdefg'))).toEqual(['USERNAME_TOO_SHORT']);
    expect(codes(checkUsername('a'.repeat(51)))).toEqual(['USERNAME_TOO_LONG']);
  });
  it.each([' ', '=', '+', '<', '>', '#', '@', 'é', '!', '/'])('refuses %j and names it', (char) => {
    const problems = checkUsername(`abcdefgh${char}`);
    expect(codes(problems)).toEqual(['USERNAME_INVALID_CHARACTERS']);
    expect(String(problems[0]!.params!.characters)).toBe(char === ' ' ? '[espace]' : char);
  });
  it('reports every problem at once, each refused character once', () => {
    const problems = checkUsername('a@b@ c');
    expect(codes(problems)).toEqual(['USERNAME_TOO_SHORT', 'USERNAME_INVALID_CHARACTERS']);
    expect(problems[1]!.params!.characters).toBe('@ [espace]');
  });
  it('compares case-insensitively', () => {
    expect(usernameKey('Marie.Tremblay')).toBe(usernameKey('marie.TREMBLAY'));
  });
});

describe('checkPassword', () => {
  it('accepts 6 and 16 code points with a letter and a digit', () => {
    expect(checkPassword('abcde1')).toEqual([]);
    expect(checkPassword('abcdefghijklmno1')).toEqual([]);
  });
  it('counts code points, not UTF-16 units', () => {
    expect(checkPassword('😀😀😀😀a1')).toEqual([]);
    expect(codes(checkPassword('😀😀a1'))).toEqual(['PASSWORD_TOO_SHORT']);
  });
  it('refuses 5 and 17 characters', () => {
    expect(codes(checkPassword('abcd1'))).toEqual(['PASSWORD_TOO_SHORT']);
    expect(codes(checkPassword('abcdefghijklmnop1'))).toEqual(['PASSWORD_TOO_LONG']);
  });
  it('accepts any Unicode letter as the letter', () => {
    expect(checkPassword('123456é')).toEqual([]);
  });
  it('requires a letter and a digit 0-9', () => {
    expect(codes(checkPassword('123456'))).toEqual(['PASSWORD_LETTER_REQUIRED']);
    expect(codes(checkPassword('abcdef'))).toEqual(['PASSWORD_DIGIT_REQUIRED']);
    expect(codes(checkPassword('abcde٣'))).toEqual(['PASSWORD_DIGIT_REQUIRED']);
  });
  it.each([' ', '=', '+', '<', '>', '#', '@', '\t', '\u0007'])('refuses %j', (char) => {
    expect(codes(checkPassword(`abc12${char}`))).toEqual(['PASSWORD_INVALID_CHARACTERS']);
  });
  it('names control characters by code point', () => {
    expect(checkPassword('abc12\u0007')[0]!.params!.characters).toBe('U+0007');
  });
  it('reports every problem at once', () => {
    expect(codes(checkPassword('@'))).toEqual([
      'PASSWORD_TOO_SHORT',
      'PASSWORD_LETTER_REQUIRED',
      'PASSWORD_DIGIT_REQUIRED',
      'PASSWORD_INVALID_CHARACTERS',
    ]);
  });
});

describe('postal codes', () => {
  it.each(['H2X 1Y4', 'h2x1y4', 'H2X-1Y4', ' h2x 1y4 '])('normalizes %j', (value) => {
    expect(normalizePostalCode(value)).toBe('H2X1Y4');
    expect(checkPostalCode(value)).toEqual([]);
  });
  it.each(['H2X 1Y', '12345', 'D2X 1Y4', 'H2X  1Y4', 'W2X 1Y4', 'H2X 1O4', ''])('refuses %j', (value) => {
    expect(codes(checkPostalCode(value))).toEqual(['POSTAL_CODE_INVALID']);
  });
});

describe('account numbers', () => {
  it('ignores spaces and hyphens', () => {
    expect(normalizeAccountNumber('123 456-789')).toBe('123456789');
  });
  it('accepts 9 to 12 digits only', () => {
    expect(checkAccountNumber('123456789')).toEqual([]);
    expect(checkAccountNumber('123456789012')).toEqual([]);
    expect(codes(checkAccountNumber('12345678'))).toEqual(['ACCOUNT_NUMBER_INVALID']);
    expect(codes(checkAccountNumber('1234567890123'))).toEqual(['ACCOUNT_NUMBER_INVALID']);
    expect(codes(checkAccountNumber('12345678a'))).toEqual(['ACCOUNT_NUMBER_INVALID']);
  });
  it('masks all but the last three digits', () => {
    expect(maskAccountNumber('123456789')).toBe('••••••789');
  });
});

describe('checkEmail', () => {
  it.each(['marie@example.com', 'marie.tremblay+portail@sous.example.ca', "o'neil@example.org"])('accepts %j', (value) => {
    expect(checkEmail(value)).toEqual([]);
  });
  it.each(['marie', 'marie@', '@example.com', 'marie@example', 'ma rie@example.com', 'marie@@example.com', 'marie@exa_mple.com', 'a..b@example.com'])(
    'refuses %j',
    (value) => {
      expect(codes(checkEmail(value))).toEqual(['EMAIL_INVALID']);
    },
  );
  it('refuses more than 254 characters', () => {
    const long = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(59)}.ca`;
    expect(long.length).toBe(255);
    expect(codes(checkEmail(long))).toEqual(['EMAIL_INVALID']);
  });
});

describe('checkName', () => {
  it.each(['Jean-François O’Neil Jr.', 'Zoë Ångström', "D'Amour", '  Luc Gagnon  ', 'Zoe\u0308 Ange\u0301lique', '王小明', 'A', 'a'.repeat(100)])(
    'accepts %j',
    (name) => {
      expect(checkName(name)).toEqual([]);
    },
  );
  it.each([
    ['digits only', '12345'],
    ['a digit', 'Luc Gagnon 2'],
    ['markup', '<script>'],
    ['a bidirectional override', 'Luc \u202EnongaG'],
    ['a bidirectional isolate', '\u2066Luc\u2069'],
    ['a right-to-left mark', 'Luc\u200F'],
    ['an Arabic letter mark', 'Luc\u061C'],
    ['a control character', 'Luc\u0007Gagnon'],
    ['101 characters', 'a'.repeat(101)],
    ['nothing after trimming', '   '],
    ['punctuation only', "'-."],
  ])('refuses %s', (_, name) => {
    expect(checkName(name)).toEqual([{ code: 'NAME_INVALID', params: { max: 100 } }]);
  });
});
