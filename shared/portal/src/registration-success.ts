/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/** The view after a registration (flow A, B or an invitation): the username, and a way to sign in. */
import { h, replaceChildren } from './dom';
import { t, tx } from './i18n';
import { para, portalLink, type PageFrame } from './layout';

/** Replaces `view` by the success message, announced and focused. */
export function registrationSuccess(page: PageFrame, view: HTMLElement, username: string): void {
  page.setHeading('successTitle');
  replaceChildren(
    view,
    h(
      'div',
      { class: 'card notice notice--success', role: 'status' },
      para(tx(() => t('successText', { username }))),
      para(portalLink('/sign-in', 'successSignIn', { class: 'button button--primary' })),
    ),
  );
  page.main.focus();
}
