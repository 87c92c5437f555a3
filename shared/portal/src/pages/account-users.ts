/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * `/account/users`: User Management, for the signed-in holder (spec §3 C): the people of the
 * account with their status, adding a secondary user (invited by email) or a technical user
 * (recorded, never invited), resending an invitation, removing someone; and signing out.
 */
import { api, IdempotentSubmission, session, type ApiFailure, type ApiResult } from '../api';
import type { AccountUser, AccountUsersResponse, AddUserResponse } from '../../api';
import { h, replaceChildren } from '../dom';
import { emailField, nameField } from '../fields';
import { PortalForm, radioGroup } from '../forms';
import { href, t, tx, type TextKey } from '../i18n';
import { failureText, Notice, para, runPage, section, startPage } from '../layout';

/** A column's name followed by the language's colon, shown before each value on narrow screens. */
const labelled = (key: TextKey) => () => t('labelled', { label: t(key) });

async function main(): Promise<void> {
  const kept = session.get();
  if (!kept) {
    session.clear('expired');
    location.replace(href('/sign-in'));
    return;
  }
  const page = await startPage('usersTitle');
  const signedOut = (note: 'signed-out' | 'expired') => {
    session.clear(note);
    location.assign(href('/sign-in'));
  };
  /** A 401 means the session ended (expired, revoked, signed out elsewhere): sign in again. */
  const unauthorized = (result: ApiResult<unknown>) => !result.ok && result.status === 401 && (signedOut('expired'), true);

  const signOut = h('button', { type: 'button', class: 'button button--secondary' }, tx('signOut'));
  signOut.addEventListener('click', async () => {
    await api('DELETE', '/v1/sessions/current', { authenticated: true, idempotencyKey: new IdempotentSubmission().keyFor('sign-out') });
    signedOut('signed-out');
  });
  page.main.append(
    h('div', { class: 'account-bar' }, h('p', {}, tx(() => t('signedInAs', { username: kept.user.username, account: kept.user.accountNumberMasked }))), signOut),
  );

  if (kept.user.role !== 'holder') {
    page.main.append(h('div', { class: 'card notice notice--info', role: 'status' }, para(tx('holderOnly'))));
    return;
  }

  const listNotice = new Notice();
  const listBody = h('div', { class: 'users' }, para(tx('usersLoading')));
  section(page.main, 'usersListTitle', listNotice.element, listBody);

  const load = async () => {
    const result = await api<AccountUsersResponse>('GET', '/v1/account/users', { authenticated: true });
    if (unauthorized(result)) return;
    if (!result.ok) {
      if (result.code === 'HOLDER_ONLY') return replaceChildren(listBody, para(result.message));
      return listNotice.show('error', para(failureText(result)));
    }
    replaceChildren(listBody, usersTable(result.data.users));
  };

  const act = async (user: AccountUser, action: 'resend' | 'remove', control: HTMLElement) => {
    const key = new IdempotentSubmission().keyFor({ action, userId: user.userId });
    const result =
      action === 'resend'
        ? await api('POST', `/v1/account/users/${encodeURIComponent(user.userId)}/invitation`, { authenticated: true, idempotencyKey: key })
        : await api('DELETE', `/v1/account/users/${encodeURIComponent(user.userId)}`, { authenticated: true, idempotencyKey: key });
    if (unauthorized(result)) return;
    if (!result.ok) {
      listNotice.show('error', para(failureText(result as ApiFailure)));
      listNotice.focus();
      return;
    }
    listNotice.show('success', para(tx(() => t(action === 'resend' ? 'resent' : 'removed', { name: user.name }))));
    await load();
    // The row's buttons were rebuilt: the message is where the keyboard user continues.
    if (!control.isConnected) listNotice.focus();
  };

  const usersTable = (users: AccountUser[]) => {
    const header = (key: TextKey) => h('th', { scope: 'col' }, tx(key));
    const rows = users.map((user) => {
      const actions = h('td', { class: 'users__actions', 'data-label': labelled('colActions') });
      const buttons: HTMLElement[] = [];
      if (user.role === 'secondary' && (user.status === 'invited' || user.status === 'invitation_expired')) {
        const resend = h('button', { type: 'button', class: 'button button--small', 'aria-label': () => t('resendLabel', { name: user.name }) }, tx('resend'));
        resend.addEventListener('click', () => void act(user, 'resend', resend));
        buttons.push(resend);
      }
      if (user.role !== 'holder' && user.status !== 'revoked') {
        const remove = h('button', { type: 'button', class: 'button button--small button--danger', 'aria-label': () => t('removeLabel', { name: user.name }) }, tx('remove'));
        remove.addEventListener('click', () => confirmRemoval(user, actions, remove));
        buttons.push(remove);
      }
      if (buttons.length === 0) actions.append(h('span', { class: 'muted' }, tx('noActions')));
      else actions.append(...buttons);
      return h(
        'tr',
        {},
        h('th', { scope: 'row', 'data-label': labelled('colName') }, user.name),
        h('td', { 'data-label': labelled('colEmail') }, user.email),
        h('td', { 'data-label': labelled('colRole') }, tx(`role_${user.role}` as TextKey)),
        h('td', { 'data-label': labelled('colStatus') }, h('span', { class: `status status--${user.status}` }, tx(`status_${user.status}` as TextKey))),
        actions,
      );
    });
    return h(
      'table',
      { class: 'users__table' },
      h('thead', {}, h('tr', {}, header('colName'), header('colEmail'), header('colRole'), header('colStatus'), header('colActions'))),
      h('tbody', {}, ...rows),
    );
  };

  /** Removal is confirmed in place (no browser dialog): a question and two buttons, focus on "cancel". */
  const confirmRemoval = (user: AccountUser, cell: HTMLElement, trigger: HTMLElement) => {
    const previous = [...cell.childNodes];
    const yes = h('button', { type: 'button', class: 'button button--small button--danger' }, tx('removeYes'));
    const no = h('button', { type: 'button', class: 'button button--small' }, tx('cancel'));
    const question = h('div', { class: 'confirm', role: 'group', 'aria-label': () => t('removeLabel', { name: user.name }) }, h('p', {}, tx(() => t('removeConfirm', { name: user.name }))), yes, no);
    replaceChildren(cell, question);
    no.focus();
    no.addEventListener('click', () => {
      replaceChildren(cell, ...previous);
      trigger.focus();
    });
    yes.addEventListener('click', () => void act(user, 'remove', yes));
  };

  const name = nameField();
  const email = emailField();
  const role = radioGroup('role', 'role', [
    { value: 'secondary', label: 'addSecondary' },
    { value: 'technical', label: 'addTechnical' },
  ]);
  const form = new PortalForm(
    [name, email],
    'addSubmit',
    async (f) => {
      const body = { name: name.value.trim(), email: email.value.trim(), role: role.value() };
      const result = await f.send(body, (key) => api<AddUserResponse>('POST', '/v1/account/users', { body, authenticated: true, idempotencyKey: key }));
      if (unauthorized(result)) return;
      if (!result.ok) return f.showFailure(result, { USER_ALREADY_EXISTS: 'email', TECHNICAL_USER_NOT_ELIGIBLE: 'email' });
      const added = body.name;
      f.notice.show('success', para(tx(() => t(result.data.status === 'invited' ? 'addedInvited' : 'added', { name: added }))));
      name.value = '';
      email.value = '';
      await load();
      f.notice.focus();
    },
    [role.element],
  );
  section(page.main, 'addTitle', para(tx('addIntro')), form.element);
  await load();
}

runPage(main);
