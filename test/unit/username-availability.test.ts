import { checkUsername } from '../../shared/domain/field-rules';
import { checkUsernameAvailability, suggestionCandidates } from '../../shared/domain/username-availability';
import { fakeDeps } from '../fixtures/in-memory';

const login = (username: string) => ({
  userId: username,
  username,
  accountNumber: '123456789',
  role: 'holder' as const,
  name: 'x',
  email: 'x@example.com',
  passwordHash: 'x',
  status: 'active' as const,
  createdAt: new Date(),
});

describe('checkUsernameAvailability', () => {
  it('says a free, valid username is available, with no suggestions', async () => {
    const deps = fakeDeps([]);
    expect(await checkUsernameAvailability(deps, { username: 'marie.tremblay', clientAddress: '1.2.3.4' })).toEqual({
      username: 'marie.tremblay',
      valid: true,
      available: true,
      problems: [],
      suggestions: [],
    });
  });
  it('says a username taken in another case is unavailable and suggests free, valid ones', async () => {
    const deps = fakeDeps([]);
    deps.logins.logins.set('1', login('Marie.Tremblay'));
    deps.logins.logins.set('2', login('marie.tremblay.1'));
    const result = await checkUsernameAvailability(deps, { username: 'marie.tremblay', clientAddress: '1.2.3.4' });
    expect(result).toMatchObject({ valid: true, available: false, problems: [{ code: 'USERNAME_TAKEN' }] });
    expect(result.suggestions).toEqual(['marie.tremblay.2', 'marie.tremblay.3', 'marie.tremblay.4']);
  });
  it('turns an email address into valid suggestions (the help page advice, made possible)', async () => {
    const deps = fakeDeps([]);
    const result = await checkUsernameAvailability(deps, { username: 'jean.tremblay@acme.ca', clientAddress: '1.2.3.4' });
    expect(result).toMatchObject({ valid: false, available: false, problems: [{ code: 'USERNAME_INVALID_CHARACTERS' }] });
    expect(result.suggestions).toEqual(['jean.tremblay', 'jean.tremblay.acme', 'jean.tremblay.acme.1']);
  });
  it('refuses the 61st check of a minute from one client, not from another', async () => {
    const deps = fakeDeps([]);
    for (let i = 0; i < 60; i++) await checkUsernameAvailability(deps, { username: 'abcdefgh', clientAddress: '1.2.3.4' });
    await expect(checkUsernameAvailability(deps, { username: 'abcdefgh', clientAddress: '1.2.3.4' })).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      statusCode: 429,
    });
    await expect(checkUsernameAvailability(deps, { username: 'abcdefgh', clientAddress: '5.6.7.8' })).resolves.toBeDefined();
    deps.clock.advance(60);
    await expect(checkUsernameAvailability(deps, { username: 'abcdefgh', clientAddress: '1.2.3.4' })).resolves.toBeDefined();
  });
});

describe('suggestionCandidates', () => {
  it.each(['bob', 'Éric Côté', 'a'.repeat(80), '@@@', 'x=y+z<w>#'])('gives only valid usernames for %j', (typed) => {
    const candidates = suggestionCandidates(typed);
    expect(candidates.length).toBeGreaterThanOrEqual(3);
    for (const candidate of candidates) expect(checkUsername(candidate)).toEqual([]);
  });
  it('drops accents rather than characters', () => {
    expect(suggestionCandidates('Éric Côté')[0]).toBe('eric.cote');
  });
});
