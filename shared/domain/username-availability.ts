import { RateLimitedError } from './errors';
import { checkUsername, USERNAME_MAX, USERNAME_MIN, usernameKey } from './field-rules';
import type { LoginStore, RateLimiter, Clock } from './ports';
import type { FieldProblem } from './problems';
import { anonymousKey } from './secrets';

/** More than 60 availability checks a minute from one client address are refused. */
export const AVAILABILITY_RULE = { limit: 60, windowSeconds: 60 };
const MAX_SUGGESTIONS = 3;

export interface Availability {
  username: string;
  valid: boolean;
  available: boolean;
  problems: Omit<FieldProblem, 'field'>[];
  suggestions: string[];
}

/**
 * Tells whether a username may be chosen: its rule problems, whether it is free, and when it
 * cannot be used, up to three valid and available usernames derived from it.
 * @throws RateLimitedError (TOO_MANY_REQUESTS) past 60 checks a minute from one client.
 */
export async function checkUsernameAvailability(
  deps: { logins: LoginStore; rateLimiter: RateLimiter; clock: Clock },
  input: { username: string; clientAddress: string },
): Promise<Availability> {
  const verdict = await deps.rateLimiter.hit(`availability:${anonymousKey(input.clientAddress)}`, AVAILABILITY_RULE, deps.clock.now());
  if (!verdict.allowed) throw new RateLimitedError('TOO_MANY_REQUESTS', verdict.retryAfterSeconds);

  const problems = checkUsername(input.username);
  const valid = problems.length === 0;
  const candidates = suggestionCandidates(input.username);
  const keys = [...new Set([...(valid ? [usernameKey(input.username)] : []), ...candidates.map(usernameKey)])];
  const taken = await deps.logins.takenUsernames(keys);

  const available = valid && !taken.has(usernameKey(input.username));
  if (valid && !available) problems.push({ code: 'USERNAME_TAKEN' });
  const suggestions = available ? [] : candidates.filter((c) => !taken.has(usernameKey(c))).slice(0, MAX_SUGGESTIONS);
  return { username: input.username, valid, available, problems, suggestions };
}

/**
 * Valid usernames derived from what was typed, best first. An email address gives its local
 * part, then local part and domain name (the help page's "use your email address", made valid).
 */
export function suggestionCandidates(typed: string): string[] {
  const [local = '', domain = ''] = typed.trim().split('@');
  const domainName = domain.split('.')[0] ?? '';
  const base = sanitize(local) || 'utilisateur';
  const stems = [base];
  if (domainName) stems.push(sanitize(`${base}.${domainName}`));
  // A stem too short on its own gets a word, not digits that look like a typo.
  if (base.length < USERNAME_MIN) stems.push(`${base}.affaires`);
  const candidates = stems.map((stem) => fit(stem, ''));
  for (let n = 1; n <= 9; n++) candidates.push(fit(stems[stems.length - 1]!, `.${n}`));
  const typedKey = usernameKey(typed);
  return [...new Set(candidates)].filter((c) => checkUsername(c).length === 0 && usernameKey(c) !== typedKey);
}

/** Keeps allowed characters, turning others into dots, with no leading, trailing or doubled separators. */
function sanitize(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // é → e
    .replace(/[^A-Za-z0-9._-]+/g, '.')
    .replace(/([._-])[._-]+/g, '$1')
    .replace(/^[._-]+|[._-]+$/g, '')
    .toLowerCase();
}

/** Cuts the stem so that stem + suffix fits the maximum length. */
function fit(stem: string, suffix: string): string {
  return stem.slice(0, USERNAME_MAX - suffix.length).replace(/[._-]+$/, '') + suffix;
}
