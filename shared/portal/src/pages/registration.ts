/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * `/registration`: flow B, the holder registers without an activation email by proving who they
 * are (account number, postal code, email on file) and choosing a username and password.
 */
import { api } from '../api';
import type { RegistrationResponse } from '../../api';
import { h } from '../dom';
import { accountNumberField, emailField, newPasswordField, newUsernameField, postalCodeField } from '../fields';
import { PortalForm } from '../forms';
import { tx } from '../i18n';
import { para, portalLink, runPage, startPage } from '../layout';
import { registrationSuccess } from '../registration-success';
import { attachAvailability } from '../username-availability';

async function main(): Promise<void> {
  const page = await startPage('registrationTitle');
  const view = h('div', { class: 'view' });
  page.main.append(view);

  const username = newUsernameField();
  attachAvailability(username);
  const fields = [accountNumberField(), postalCodeField(), emailField('emailHint'), username, newPasswordField()];
  const form = new PortalForm(fields, 'registerSubmit', async (f) => {
    const body = f.values();
    const result = await f.send(body, (key) => api<RegistrationResponse>('POST', '/v1/registrations', { body, idempotencyKey: key }));
    if (result.ok) return registrationSuccess(page, view, result.data.username);
    const next =
      result.code === 'ACCOUNT_ALREADY_REGISTERED'
        ? [para(portalLink('/sign-in', 'nextSignIn')), para(portalLink('/password-reset', 'nextForgotPassword'))]
        : result.code === 'IDENTITY_NOT_VERIFIED'
          ? [para(portalLink('/activation-request', 'registrationHaveEmail'))]
          : [];
    f.showFailure(result, { USERNAME_TAKEN: 'username' }, next);
  });
  view.append(
    h(
      'div',
      { class: 'card' },
      para(tx('registrationIntro')),
      para(tx('registrationSecondary')),
      form.element,
      h('p', { class: 'aside' }, tx('registrationHaveEmail'), ' ', portalLink('/activation-request', 'signInRequest')),
    ),
  );
}

runPage(main);
