/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * What every page shares: skip link, header with the language switch, one `<main>` with the
 * page's single `<h1>`, footer with Customer Service's number; and the notice that announces
 * an outcome (the API's message, "try again in N minutes", the service being unavailable).
 */
import { portalConfig, type ApiFailure, type PortalConfig } from './api';
import { append, h, replaceChildren, tr, type Child } from './dom';
import { href, lang, retryIn, setLanguage, t, tx, type TextKey } from './i18n';

export interface PageFrame {
  main: HTMLElement;
  config: PortalConfig;
  /** Changes the page's `<h1>` and `<title>` (one heading per page, whatever the view). */
  setHeading(key: TextKey): void;
}

/** Builds the page's frame in `<body>` and reads `config.json`. */
export async function startPage(headingKey: TextKey): Promise<PageFrame> {
  const config = await portalConfig();
  let heading = headingKey;
  const title = () => `${t(heading)} — ${t('serviceName')}`;
  const h1 = h('h1', { id: 'page-title' }, tx(() => t(heading)));
  const titleNode = tx(title);
  document.querySelector('title')?.replaceChildren(titleNode);

  const switcher = h('button', { type: 'button', class: 'lang-switch', lang: () => (lang() === 'fr' ? 'en' : 'fr'), 'aria-label': tr('switchLabel') }, tx('switchTo'));
  switcher.addEventListener('click', () => setLanguage(lang() === 'fr' ? 'en' : 'fr'));

  const main = h('main', { id: 'main', tabindex: '-1', 'aria-labelledby': 'page-title', 'aria-busy': 'true' }, h1);
  const phone = config.customerServicePhone;
  document.body.replaceChildren(
    h('a', { class: 'skip-link', href: '#main' }, tx('skipLink')),
    h(
      'header',
      { class: 'site-header' },
      h(
        'div',
        { class: 'site-header__inner' },
        h('a', { class: 'brand', href: () => href('/sign-in') }, h('span', { class: 'brand__mark', 'aria-hidden': 'true' }), tx('serviceName')),
        h('nav', { 'aria-label': tr('languageNav') }, switcher),
      ),
    ),
    main,
    h(
      'footer',
      { class: 'site-footer' },
      h('p', {}, tx('footerHelp'), phone ? phoneLink(phone) : null),
      h('p', {}, tx('footerPrivacy')),
    ),
  );

  return {
    main,
    config,
    setHeading(key) {
      heading = key;
      h1.firstChild!.textContent = t(key);
      titleNode.data = title();
    },
  };
}

/** Runs a page's script; once it has shown its first view, `<main>` stops being `aria-busy`. */
export function runPage(main: () => Promise<void>): void {
  void main().finally(() => document.getElementById('main')?.removeAttribute('aria-busy'));
}

/**
 * A region that announces outcomes (`aria-live`). Errors take the focus when no field does, so
 * a keyboard user is brought to the message.
 */
export class Notice {
  readonly element = h('div', { class: 'notice', 'aria-live': 'polite', tabindex: '-1', hidden: true });

  show(kind: 'error' | 'success' | 'info', ...content: Child[]): void {
    this.element.className = `notice notice--${kind}`;
    this.element.hidden = false;
    this.element.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    replaceChildren(this.element, ...content);
  }

  focus(): void {
    this.element.focus();
  }

  clear(): void {
    this.element.hidden = true;
    this.element.removeAttribute('role');
    this.element.replaceChildren();
  }
}

/** The words for a failed call: the API's message, with "try again in N minutes" when it says when. */
export function failureText(failure: ApiFailure): string {
  if (failure.code === 'NETWORK') return t('networkError');
  if (failure.status === 503 || failure.code === 'SERVICE_UNAVAILABLE') {
    const s = failure.retryAfterSeconds;
    const when = s === undefined || s < 30 ? t('whenMoment') : Math.ceil(s / 60) <= 1 ? t('whenOneMinute') : t('whenMinutes', { n: Math.ceil(s / 60) });
    return t('serviceUnavailable', { when });
  }
  const text = failure.message || t('unexpectedError');
  return failure.status === 429 && failure.retryAfterSeconds ? `${text} ${retryIn(failure.retryAfterSeconds)}` : text;
}

/** A phone number that a phone can call. */
export function phoneLink(phone: string): HTMLAnchorElement {
  return h('a', { href: `tel:+${phone.replace(/\D/g, '')}`, class: 'phone' }, phone);
}

/** A paragraph. */
export function para(...content: Child[]): HTMLParagraphElement {
  return h('p', {}, ...content);
}

/** A link inside the portal that keeps the reader's language. */
export function portalLink(path: string, key: TextKey, attributes: Record<string, string> = {}): HTMLAnchorElement {
  return h('a', { ...attributes, href: () => href(path) }, tx(key));
}

/** Adds a section (`<section>` with an `<h2>`) to a parent. */
export function section(parent: HTMLElement, headingKey: TextKey, ...content: Child[]): HTMLElement {
  const id = `section-${headingKey}`;
  const element = h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, tx(headingKey)), ...content);
  append(parent, element);
  return element;
}
