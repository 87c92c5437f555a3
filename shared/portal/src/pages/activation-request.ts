/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * `/activation-request`: asks for an activation email with account number and postal code. The
 * API answers the same for every well-formed request (no enumeration), and so does the page.
 */
import { api } from '../api';
import type { AcceptedResponse } from '../../api';
import { h } from '../dom';
import { accountNumberField, postalCodeField } from '../fields';
import { PortalForm } from '../forms';
import { tx } from '../i18n';
import { para, portalLink, runPage, startPage } from '../layout';

async function main(): Promise<void> {
  const page = await startPage('requestTitle');
  const form = new PortalForm([accountNumberField(), postalCodeField()], 'requestSubmit', async (f) => {
    const body = f.values();
    const result = await f.send(body, (key) => api<AcceptedResponse>('POST', '/v1/activation-requests', { body, idempotencyKey: key }));
    if (!result.ok) return f.showFailure(result);
    f.notice.show('success', para(tx('requestDone')));
    f.notice.focus();
  });
  page.main.append(
    h(
      'div',
      { class: 'card' },
      para(tx('requestIntro')),
      form.element,
      h('p', { class: 'aside' }, tx('requestNoEmail'), ' ', portalLink('/registration', 'requestWithout')),
    ),
  );
}

runPage(main);
