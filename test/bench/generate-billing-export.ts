/**
 * `tsx test/bench/generate-billing-export.ts OUT.csv [COUNT] [--seed N] [--invalid-every N]`
 *
 * Writes a billing export of COUNT (default 100,000) fictitious accounts in the documented CSV
 * format (docs/account-import.md), streamed to disk. Deterministic for a seed, so that two files
 * of the same seed are the same accounts; `--invalid-every N` spoils one record in N (a bad
 * postal code, language or email) to exercise the rejected-records report.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const LETTERS = [...'ABCEGHJKLMNPRSTVXY'];
const FIRST = ['Marie', 'Luc', 'Sophie', 'John', 'Élise', 'Karim', 'Anh', 'Chloé', 'David', 'Fatima', 'Jean-Philippe', 'Olga'];
const LAST = ['Tremblay', 'Gagnon', 'Côté', 'Smith', 'Bérubé', 'Nguyen', 'Roy', 'Haddad', "O'Neil", 'Lavoie', 'Kowalski', 'Morin'];
const KINDS = ['internet', 'tv', 'phone'];

/** A small deterministic generator (mulberry32), so runs are reproducible. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function csvCell(value: string): string {
  return /[",\n\r;]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Streams `count` accounts to `file`; resolves once they are on disk. */
export async function generateBillingExport(file: string, count: number, options: { seed?: number; invalidEvery?: number } = {}): Promise<void> {
  const next = random(options.seed ?? 1);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const postal = () => `${pick(LETTERS)}${Math.floor(next() * 10)}${pick(LETTERS)} ${Math.floor(next() * 10)}${pick(LETTERS)}${Math.floor(next() * 10)}`;
  const out = createWriteStream(file);
  out.write(
    'account_number,company_name,language,holder_name,holder_email,services,service_postal_code,billing_postal_code,' +
      'authorized_user_1_name,authorized_user_1_email,authorized_user_1_role,authorized_user_2_name,authorized_user_2_email,authorized_user_2_role\n',
  );
  for (let i = 0; i < count; i++) {
    const accountNumber = String(100_000_000_000 + i);
    const [first, last] = [pick(FIRST), pick(LAST)];
    const mobilityOnly = next() < 0.15;
    const services = mobilityOnly ? ['mobility'] : KINDS.filter(() => next() < 0.7);
    if (services.length === 0) services.push('internet');
    const slug = `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
    const users: string[] = [];
    const userCount = Math.floor(next() * 3);
    for (let u = 0; u < 2; u++) {
      if (u < userCount) {
        const [uf, ul] = [pick(FIRST), pick(LAST)];
        const role = next() < 0.8 ? 'secondary' : 'technical';
        users.push(`${uf} ${ul}`, `${uf}.${ul}.${i}`.normalize('NFD').replace(/[^A-Za-z0-9.]/g, '').toLowerCase() + '@example.com', role);
      } else users.push('', '', '');
    }
    const row = [
      accountNumber,
      `${last} ${pick(['inc.', 'ltée', 'Ltd.', 'et fils', 'Services'])} ${i}`,
      next() < 0.7 ? 'fr' : 'en',
      `${first} ${last}`,
      `${slug}.${i}@example.com`,
      services.join(';'),
      mobilityOnly ? '' : postal(),
      postal(),
      ...users,
    ];
    if (options.invalidEvery && i % options.invalidEvery === options.invalidEvery - 1) {
      const spoil = i % 3;
      if (spoil === 0) row[7] = 'ZZZ 999';
      else if (spoil === 1) row[2] = 'es';
      else row[4] = 'not-an-address';
    }
    if (!out.write(row.map(csvCell).join(',') + '\n')) await once(out, 'drain');
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args.splice(i, 2)[1]) : undefined;
  };
  const seed = option('--seed');
  const invalidEvery = option('--invalid-every');
  const [file, count] = args;
  if (!file) {
    console.error('usage: tsx test/bench/generate-billing-export.ts OUT.csv [COUNT] [--seed N] [--invalid-every N]');
    process.exit(2);
  }
  generateBillingExport(file, Number(count ?? 100_000), { seed, invalidEvery }).then(
    () => console.error(`${file}: ${Number(count ?? 100_000).toLocaleString('en-US')} accounts`),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
