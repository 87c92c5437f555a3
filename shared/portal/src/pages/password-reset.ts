/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * `/password-reset`: without a token, the forgotten-password request (by username) and the
 * forgotten-username request (account number + email), both answered alike whatever exists; with
 * `#token=…` (the reset email's link), the new-password form. An unusable link leads back to the
 * request form.
 */
import { api } from '../api';
import type { AcceptedResponse, VerifyResetResponse } from '../../api';
import { h, replaceChildren } from '../dom';
import { accountNumberField, emailField, newPasswordField, signInUsernameField } from '../fields';
import { PortalForm } from '../forms';
import { takeFragmentToken } from '../fragment-token';
import { t, tx } from '../i18n';
import { Notice, type PageFrame, para, portalLink, runPage, section, startPage } from '../layout';

const RESET_LINK_CODES = ['RESET_NOT_FOUND', 'RESET_EXPIRED', 'RESET_USED', 'RESET_REVOKED'];

async function main(): Promise<void> {
  const token = takeFragmentToken();
  const page = await startPage(token ? 'resetChooseTitle' : 'resetTitle');
  if (!token) return requestForms(page);

  const view = h('div', { class: 'view' });
  page.main.append(view);
  const loading = new Notice();
  view.append(loading.element);
  loading.show('info', tx('resetChecking'));
  const verified = await api<VerifyResetResponse>('POST', '/v1/password-resets/verify', { body: { resetToken: token } });
  if (!verified.ok) {
    if (!RESET_LINK_CODES.includes(verified.code)) return loading.show('error', para(verified.message || t('networkError')));
    return linkProblem(page, view, verified.message);
  }

  const password = newPasswordField('password', 'newPassword');
  const form = new PortalForm([password], 'resetSubmit', async (f) => {
    const body = { resetToken: token, password: password.value };
    const result = await f.send(body, (key) => api<void>('POST', '/v1/password-resets/complete', { body, idempotencyKey: key }));
    if (result.ok) {
      page.setHeading('resetDoneTitle');
      replaceChildren(view, h('div', { class: 'card notice notice--success', role: 'status' }, para(tx('resetDone')), para(portalLink('/sign-in', 'successSignIn', { class: 'button button--primary' }))));
      page.main.focus();
      return;
    }
    if (RESET_LINK_CODES.includes(result.code)) return linkProblem(page, view, result.message);
    f.showFailure(result);
  });
  const username = verified.data.username;
  replaceChildren(view, h('div', { class: 'card' }, para(tx(() => t('resetFor', { username }))), form.element));
}

function linkProblem(page: PageFrame, view: HTMLElement, message: string): void {
  page.setHeading('resetLinkProblemTitle');
  view.replaceChildren(h('div', { class: 'card next-steps' }, h('p', { class: 'next-steps__reason' }, message), para(tx('resetRequestAgain'))));
  requestForms(page);
  page.main.focus();
}

function requestForms(page: PageFrame): void {
  const reset = new PortalForm([signInUsernameField()], 'resetRequestSubmit', async (f) => {
    const body = f.values();
    const result = await f.send(body, (key) => api<AcceptedResponse>('POST', '/v1/password-resets', { body, idempotencyKey: key }));
    if (!result.ok) return f.showFailure(result);
    f.notice.show('success', para(tx('resetRequestDone')));
    f.notice.focus();
  });
  section(page.main, 'resetRequestTitle', para(tx('resetRequestIntro')), reset.element);

  const reminder = new PortalForm([accountNumberField(), emailField()], 'reminderSubmit', async (f) => {
    const body = f.values();
    const result = await f.send(body, (key) => api<AcceptedResponse>('POST', '/v1/username-reminders', { body, idempotencyKey: key }));
    if (!result.ok) return f.showFailure(result);
    f.notice.show('success', para(tx('reminderDone')));
    f.notice.focus();
  });
  section(page.main, 'reminderTitle', para(tx('reminderIntro')), reminder.element);
  page.main.append(h('p', { class: 'aside' }, portalLink('/sign-in', 'nextSignIn')));
}

runPage(main);
