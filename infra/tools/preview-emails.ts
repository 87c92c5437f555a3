/**
 * Writes every email the service sends (fr and en) to `email-previews/` as `<kind>.<lang>.html`
 * and `.txt`, with the subject in the HTML's <title>. Usage: `npm run emails:preview`, then open
 * the files in a browser. The `email-previews/` folder is git-ignored.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { allSampleEmails } from './email-samples';

const outDir = path.resolve(__dirname, '../../email-previews');
mkdirSync(outDir, { recursive: true });
for (const { name, email } of allSampleEmails()) {
  writeFileSync(path.join(outDir, `${name}.html`), email.html);
  writeFileSync(path.join(outDir, `${name}.txt`), `Subject: ${email.subject}\n\n${email.text}`);
  console.log(`${name.padEnd(24)} ${String(Buffer.byteLength(email.html)).padStart(6)} B html  ${String(Buffer.byteLength(email.text)).padStart(5)} B text  ${email.subject}`);
}
console.log(`\nWritten to ${path.relative(process.cwd(), outDir) || outDir}/`);
