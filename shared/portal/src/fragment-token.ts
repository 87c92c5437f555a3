/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Reads `#token=…` from the address and removes it at once (`history.replaceState`), so the
 * token is neither left in the address bar, nor in the history, nor in a bookmark or a shared
 * screenshot. The fragment never reaches a server; from here on it lives only in memory.
 */
export function takeFragmentToken(): string | undefined {
  // A link opened in the tab that already shows this page changes only the fragment, without
  // loading the page again: load it again, so the new link's token is read and checked.
  window.addEventListener('hashchange', () => {
    if (new URLSearchParams(location.hash.slice(1)).has('token')) location.reload();
  });
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('token') ?? undefined;
  if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
  return token || undefined;
}
