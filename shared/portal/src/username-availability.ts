/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Live username availability under the username field: once typing pauses, asks the API whether
 * the name is free and shows its suggestions as buttons that fill the field. The API allows 60
 * checks a minute per client address; debouncing, one check at most every 1.5 s (≤ 40 a
 * minute), a cache of answers, and pausing for `Retry-After` on a 429 keep well inside it.
 */
import { api } from './api';
import type { AvailabilityResponse } from '../api';
import { h, replaceChildren } from './dom';
import type { Field } from './forms';
import { onLanguageChange, t, tx } from './i18n';

const DEBOUNCE_MS = 500;
const MIN_INTERVAL_MS = 1500;

/** Attaches the availability check to a username field. */
export function attachAvailability(field: Field): void {
  const status = h('div', { class: 'availability', 'aria-live': 'polite' });
  field.describe(status);
  const cache = new Map<string, AvailabilityResponse>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastRequestAt = 0;
  let pausedUntil = 0;
  let shown: AvailabilityResponse | undefined;

  const show = (answer: AvailabilityResponse | undefined) => {
    shown = answer;
    if (!answer) return status.replaceChildren();
    if (answer.available) {
      replaceChildren(status, h('p', { class: 'availability__ok' }, tx('usernameAvailable')));
      return;
    }
    const taken = answer.problems.find((p) => p.code === 'USERNAME_TAKEN');
    if (taken) field.setServerProblems([taken]);
    if (answer.suggestions.length === 0) return status.replaceChildren();
    replaceChildren(
      status,
      h('p', { class: 'availability__title' }, tx('usernameSuggestions')),
      h(
        'ul',
        { class: 'suggestions' },
        ...answer.suggestions.map((name) => {
          const button = h('button', { type: 'button', class: 'button button--chip', 'aria-label': () => t('useSuggestion', { name }) }, name);
          button.addEventListener('click', () => {
            field.value = name;
            field.input.dispatchEvent(new Event('input', { bubbles: true }));
            field.input.focus();
          });
          return h('li', {}, button);
        }),
      ),
    );
  };

  const check = async () => {
    const value = field.value;
    if (value.trim() === '') return show(undefined);
    const cached = cache.get(value);
    if (cached) return show(cached);
    const now = Date.now();
    const wait = Math.max(lastRequestAt + MIN_INTERVAL_MS, pausedUntil) - now;
    if (wait > 0) {
      timer = setTimeout(() => void check(), wait);
      return;
    }
    lastRequestAt = now;
    const result = await api<AvailabilityResponse>('GET', `/v1/usernames/${encodeURIComponent(value)}/availability`);
    if (!result.ok) {
      if (result.status === 429) {
        pausedUntil = Date.now() + (result.retryAfterSeconds ?? 60) * 1000;
        replaceChildren(status, h('p', {}, tx('availabilityPaused')));
        timer = setTimeout(() => void check(), pausedUntil - Date.now());
      }
      return;
    }
    cache.set(value, result.data);
    // An answer for a value the user has since changed is kept for later but not shown.
    if (field.value === value) show(result.data);
  };

  field.input.addEventListener('input', () => {
    clearTimeout(timer);
    show(undefined);
    timer = setTimeout(() => void check(), DEBOUNCE_MS);
  });
  // The API's words are in the language of the request: ask again in the new one.
  onLanguageChange(() => {
    if (!shown) return;
    cache.clear();
    clearTimeout(timer);
    timer = setTimeout(() => void check(), DEBOUNCE_MS);
  });
}
