/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * `/activation#token=…`: the target of the activation email's link and of a secondary user's
 * invitation. Takes the token from the fragment (and out of the address bar), checks it — which
 * never consumes it — and shows the form to choose a username and password; an unusable link
 * says what to do next.
 */
import { api } from '../api';
import type { RegistrationResponse, VerifyActivationResponse } from '../../api';
import { h, replaceChildren } from '../dom';
import { newPasswordField, newUsernameField } from '../fields';
import { PortalForm } from '../forms';
import { takeFragmentToken } from '../fragment-token';
import { formatDateTime, t, tx } from '../i18n';
import { failureText, Notice, para, portalLink, runPage, startPage } from '../layout';
import { ACTIVATION_LINK_CODES, activationNextSteps } from '../link-problems';
import { registrationSuccess } from '../registration-success';
import { attachAvailability } from '../username-availability';

async function main(): Promise<void> {
  // Taken before anything else, so the token leaves the address bar at once.
  const token = takeFragmentToken();
  const page = await startPage('activationTitle');
  const view = h('div', { class: 'view' });
  page.main.append(view);
  const phone = page.config.customerServicePhone;

  const showLinkProblem = (failure: Parameters<typeof activationNextSteps>[0]) => {
    page.setHeading(failure.code === 'ACTIVATION_USED' ? 'linkUsedTitle' : 'linkProblemTitle');
    replaceChildren(view, h('div', { class: 'card' }, activationNextSteps(failure, phone)));
    page.main.focus();
  };

  if (!token) {
    page.setHeading('activationMissingTitle');
    replaceChildren(view, h('div', { class: 'card' }, para(tx('activationMissing')), para(portalLink('/activation-request', 'signInRequest'))));
    return;
  }

  const loading = new Notice();
  view.append(loading.element);
  loading.show('info', tx('activationChecking'));
  const verified = await api<VerifyActivationResponse>('POST', '/v1/activations/verify', { body: { activationToken: token } });
  if (!verified.ok) {
    if (ACTIVATION_LINK_CODES.includes(verified.code)) return showLinkProblem(verified);
    // Unreachable or unavailable service: the link may still be good, so say to try again.
    loading.show('error', para(failureText(verified)));
    return;
  }

  const { purpose, expiresAt, account } = verified.data;
  page.setHeading(purpose === 'secondary' ? 'invitationTitle' : 'activationTitle');
  const username = newUsernameField();
  attachAvailability(username);
  const password = newPasswordField();
  const form = new PortalForm([username, password], 'createAccount', async (f) => {
    const body = { activationToken: token, username: username.value, password: password.value };
    const result = await f.send(body, (key) => api<RegistrationResponse>('POST', '/v1/registrations', { body, idempotencyKey: key }));
    if (result.ok) return registrationSuccess(page, view, result.data.username);
    if (ACTIVATION_LINK_CODES.includes(result.code)) return showLinkProblem(result);
    f.showFailure(result, { USERNAME_TAKEN: 'username' });
  });
  replaceChildren(
    view,
    h(
      'div',
      { class: 'card' },
      para(tx(purpose === 'secondary' ? 'invitationIntro' : 'activationIntro')),
      h('dl', { class: 'facts' }, h('dt', {}, tx(() => t('labelled', { label: t('activationAccount') }))), h('dd', {}, account.accountNumberMasked)),
      para(tx(() => t('activationExpires', { date: formatDateTime(expiresAt) }))),
      form.element,
    ),
  );
}

runPage(main);
