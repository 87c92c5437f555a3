/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * What to do next when an activation or invitation link cannot be used (spec §3 A and C): the
 * API's message, then the ways forward — a new activation email or Customer Service for the
 * holder, a new invitation from the holder for a secondary user, signing in when it was used.
 * The error answer does not say which kind of link it was (no more than the API needs to tell),
 * so both ways are given.
 */
import type { ApiFailure } from './api';
import { h } from './dom';
import { tx } from './i18n';
import { failureText, phoneLink, portalLink } from './layout';

/** Codes that mean the link itself is no good (not a passing failure). */
export const ACTIVATION_LINK_CODES = ['ACTIVATION_NOT_FOUND', 'ACTIVATION_EXPIRED', 'ACTIVATION_USED', 'ACTIVATION_REVOKED'];

/** The explanation and next steps for an unusable activation or invitation link. */
export function activationNextSteps(failure: ApiFailure, phone: string): HTMLElement {
  const steps =
    failure.code === 'ACTIVATION_USED'
      ? [h('li', {}, portalLink('/sign-in', 'nextSignIn')), h('li', {}, portalLink('/password-reset', 'nextForgotPassword'))]
      : [
          ...(failure.code === 'ACTIVATION_REVOKED' ? [h('li', {}, tx('nextLatestEmail'))] : []),
          h('li', {}, h('strong', {}, tx('nextHolderLabel')), portalLink('/activation-request', 'nextHolderRequest'), tx('nextHolderCall'), phoneLink(phone), '.'),
          h('li', {}, h('strong', {}, tx('nextInvitationLabel')), tx('nextInvitation')),
        ];
  return h(
    'div',
    { class: 'next-steps' },
    h('p', { class: 'next-steps__reason' }, failureText(failure)),
    h('h2', {}, tx('nextStepsTitle')),
    h('ul', {}, ...steps),
  );
}
