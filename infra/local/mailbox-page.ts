import { escapeHtml } from '../../shared/email/layout';
import type { OutboxMessage } from './ses-local';

/**
 * `GET /__dev/mailbox`: the local outbox as a page, newest first, each message's HTML rendered
 * in a sandboxed iframe (`srcdoc`, no scripts, no same origin) whose links open in a new tab, so
 * that a developer follows the link as a customer would. Everything shown is escaped; the page's
 * policy (inherited by the `srcdoc` frames) loads nothing remote.
 */
export function renderMailbox(messages: OutboxMessage[]): string {
  const newestFirst = [...messages].sort((a, b) => b.sentAt.localeCompare(a.sentAt) || messages.indexOf(b) - messages.indexOf(a));
  const items = newestFirst.map(
    (m, i) => `<article aria-labelledby="m${i}">
<h2 id="m${i}">${escapeHtml(m.subject)}</h2>
<dl><dt>To</dt><dd>${escapeHtml(m.to.join(', '))}</dd><dt>From</dt><dd>${escapeHtml(m.from)}</dd><dt>Sent</dt><dd><time datetime="${escapeHtml(m.sentAt)}">${escapeHtml(m.sentAt)}</time></dd></dl>
<iframe title="${escapeHtml(m.subject)}" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${escapeHtml(m.html)}"></iframe>
<details><summary>Plain text</summary><pre>${escapeHtml(m.text)}</pre></details>
</article>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Local mailbox (${messages.length})</title>
<style>
body{font-family:system-ui,Arial,sans-serif;margin:0 auto;max-width:900px;padding:16px;color:#1b2430;background:#f6f7f9}
article{background:#fff;border:1px solid #d0d6de;border-radius:6px;padding:12px 16px;margin:0 0 24px}
h2{font-size:18px;margin:0 0 8px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 12px;font-size:14px}
dt{color:#4a5565}dd{margin:0;overflow-wrap:anywhere}
iframe{width:100%;height:760px;border:1px solid #d0d6de;border-radius:4px;resize:vertical;background:#fff}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:13px}
</style></head>
<body>
<h1>Local mailbox</h1>
<p>${messages.length === 0 ? 'No email sent yet.' : `${messages.length} email${messages.length === 1 ? '' : 's'}, newest first.`} The same messages as JSON: <a href="/__dev/outbox">/__dev/outbox</a>. Links open in a new tab.</p>
${items.join('\n')}
</body></html>
`;
}
