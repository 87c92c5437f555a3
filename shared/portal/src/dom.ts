/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * A small element builder: the pages are built with the DOM API (never `innerHTML`), so nothing
 * typed by a user or sent by the API can become markup.
 */
import { bind, t, type TextKey } from './i18n';

export type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | boolean | undefined | (() => string)>;

/** Creates `<tag>` with attributes (a function value follows the language) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') bind(element, (el) => el.setAttribute(name, value()));
    else element.setAttribute(name, value === true ? '' : value);
  }
  append(element, ...children);
  return element;
}

/** Appends children, skipping empty ones. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** An attribute value that follows the language. */
export function tr(key: TextKey, params?: Record<string, string | number>): () => string {
  return () => t(key, params);
}

let counter = 0;
/** A unique element id with a readable prefix. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}
