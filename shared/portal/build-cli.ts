/**
 * `npm run portal:build`: writes the portal into `build/portal/` (or the folder given as first
 * argument) and prints what each page transfers, gzip-compressed. Options from the environment:
 * PORTAL_API_URL (the API's base URL; same origin when absent) and CUSTOMER_SERVICE_PHONE.
 */
import path from 'node:path';
import { buildPortal } from './build';

const BUDGET_BYTES = 100 * 1024;

async function main(): Promise<void> {
  const outDir = path.resolve(process.argv[2] ?? path.join(__dirname, '../../build/portal'));
  const startedAt = Date.now();
  const report = await buildPortal(outDir, {
    apiUrl: process.env.PORTAL_API_URL ?? '',
    customerServicePhone: process.env.CUSTOMER_SERVICE_PHONE || undefined,
  });
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`Portal built in ${Date.now() - startedAt} ms into ${path.relative(process.cwd(), outDir) || '.'}`);
  console.log('\n  page                 transferred (gzip)   raw      files');
  for (const page of report.pages) {
    console.log(`  ${page.route.padEnd(20)} ${kb(page.gzipBytes).padStart(10)}        ${kb(page.bytes).padStart(9)}  ${page.transferred.join(', ')}`);
  }
  console.log(`\n  all files once: ${kb(report.totalGzipBytes)} gzip, ${kb(report.totalBytes)} raw (${report.files.length} files)`);
  const over = report.pages.filter((page) => page.gzipBytes > BUDGET_BYTES);
  if (over.length > 0) {
    console.error(`Over the 100 KB budget: ${over.map((page) => page.route).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: Error) => {
  console.error(`Portal build failed: ${error.message}`);
  process.exit(1);
});
