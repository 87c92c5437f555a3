import { fieldCodes } from '../../shared/domain/problems';
import { message, negotiateLanguage } from '../../shared/http/messages';

describe('message', () => {
  it('has a French and an English text for every field code', () => {
    for (const code of fieldCodes) {
      expect(message(code, 'fr')).not.toBe(code);
      expect(message(code, 'en')).not.toBe(code);
      expect(message(code, 'fr')).not.toBe(message(code, 'en'));
    }
  });
  it('fills parameters and names a space in the message language', () => {
    expect(message('USERNAME_INVALID_CHARACTERS', 'fr', { characters: '@ [espace]' })).toContain('@ [espace]');
    expect(message('USERNAME_INVALID_CHARACTERS', 'en', { characters: '@ [espace]' })).toContain('@ [space]');
    expect(message('USERNAME_TOO_SHORT', 'en', { min: 8 })).toBe('The username must have at least 8 characters.');
  });
  it('tells to call Customer Service when an activation expired', () => {
    expect(message('ACTIVATION_EXPIRED', 'fr')).toContain('Service à la clientèle');
    expect(message('ACTIVATION_EXPIRED', 'en')).toContain('Customer Service');
  });
});

describe('negotiateLanguage', () => {
  it.each([
    [undefined, 'fr'],
    ['en', 'en'],
    ['en-CA,en;q=0.9', 'en'],
    ['fr-CA,fr;q=0.9,en;q=0.8', 'fr'],
    ['de-DE', 'fr'],
    ['fr;q=0.2, en;q=0.8', 'en'],
    ['en;q=0', 'fr'],
  ])('%j gives %s', (header, expected) => {
    expect(negotiateLanguage(header)).toBe(expected);
  });
});
