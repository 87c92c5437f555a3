/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * `/sign-in` (and `/`): username and password give a session, kept in `sessionStorage` for this
 * tab only, then User Management opens.
 */
import { api, session } from '../api';
import type { SessionResponse } from '../../api';
import { h } from '../dom';
import { signInPasswordField, signInUsernameField } from '../fields';
import { PortalForm } from '../forms';
import { href, tx } from '../i18n';
import { para, portalLink, runPage, startPage } from '../layout';

async function main(): Promise<void> {
  const page = await startPage('signInTitle');
  const username = signInUsernameField();
  const password = signInPasswordField();
  const form = new PortalForm([username, password], 'signInSubmit', async (f) => {
    const body = { username: username.value, password: password.value };
    const result = await f.send(body, (key) => api<SessionResponse>('POST', '/v1/sessions', { body, idempotencyKey: key }));
    if (!result.ok) {
      password.value = '';
      return f.showFailure(result);
    }
    session.set(result.data);
    location.assign(href('/account/users'));
  });
  const reason = session.takeNote();
  if (reason === 'signed-out') form.notice.show('info', para(tx('signedOutNotice')));
  if (reason === 'expired') form.notice.show('info', para(tx('sessionExpired')));
  page.main.append(
    h(
      'div',
      { class: 'card' },
      form.element,
      para(portalLink('/password-reset', 'signInForgot')),
    ),
    h(
      'div',
      { class: 'card card--secondary' },
      h('h2', {}, tx('signInNoAccount')),
      h('ul', { class: 'links' }, h('li', {}, portalLink('/activation-request', 'signInRequest')), h('li', {}, portalLink('/registration', 'signInRegister'))),
    ),
  );
}

runPage(main);
