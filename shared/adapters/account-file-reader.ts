import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { checkJsonLine, csvRecordReader, ImportFileError, type CheckedRecord, type CsvRecordReader } from '../domain/account-import-records';

/** The formats `accounts:import` reads. */
export const IMPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The format a file's name says (`.csv`, `.jsonl`, `.ndjson`), if it says one. */
export function formatOfFile(file: string): ImportFormat | undefined {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  return undefined;
}

/** An export being read: its records, streamed, and how far the reading got. */
export interface AccountFile {
  records: AsyncIterable<CheckedRecord>;
  /** File size in bytes (for the progress bar's ETA). */
  size: number;
  bytesRead(): number;
  /** Header columns the import ignores (CSV). Known once the first record was read. */
  ignoredColumns(): string[];
}

/**
 * Opens a billing export and streams its records, checked, with their 1-based line numbers.
 * The records iterable throws ImportFileError (line included) on a malformed file, e.g. an
 * unclosed quote or a bad header.
 */
export function openAccountFile(file: string, format: ImportFormat, options: { delimiter?: string } = {}): AccountFile {
  const size = statSync(file).size;
  const stream = createReadStream(file);
  let reader: CsvRecordReader | undefined;
  return {
    records: format === 'csv' ? csvRecords(stream, options.delimiter ?? ',', (r) => (reader = r)) : jsonLineRecords(stream),
    size,
    bytesRead: () => stream.bytesRead,
    ignoredColumns: () => reader?.ignoredColumns ?? [],
  };
}

/** The checked records of a CSV export (header first). */
export async function* csvRecords(input: Readable, delimiter = ',', onHeader: (reader: CsvRecordReader) => void = () => {}): AsyncIterable<CheckedRecord> {
  const parser = input.pipe(
    parse({ bom: true, delimiter, info: true, relax_column_count: true, skip_empty_lines: true }),
  );
  // A read error (missing file, permissions) must end the iteration, not hang it.
  input.on('error', (error) => parser.destroy(error));
  let reader: CsvRecordReader | undefined;
  let quotedCrLf = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // `info.lines` is the record's last line, as csv-parse counts: within quotes it counts
      // CR and LF apart, so each quoted CRLF so far puts it one line ahead of an editor. The
      // record starts as many lines before its end as its values hold line breaks.
      let breaks = 0;
      for (const cell of record) {
        if (!/[\r\n]/.test(cell)) continue;
        breaks += cell.match(/\r\n|\r|\n/g)!.length;
        quotedCrLf += cell.match(/\r\n/g)?.length ?? 0;
      }
      const line = info.lines - quotedCrLf - breaks;
      if (!reader) {
        reader = csvRecordReader(record);
        onHeader(reader);
        continue;
      }
      yield reader.check(record, line);
    }
  } catch (error) {
    const { code, lines } = error as { code?: string; lines?: number };
    if (typeof code === 'string' && code.startsWith('CSV_') && typeof lines === 'number') {
      throw new ImportFileError(lines - quotedCrLf, `${(error as Error).message.replace(/ at line \d+/, '')} (values holding the delimiter, quotes or line breaks must be within double quotes, inner quotes doubled: "")`);
    }
    throw error;
  }
  if (!reader) throw new ImportFileError(1, 'the file is empty: expected a header line, then one account per line');
}

/** The checked records of a JSON Lines export: one account object per line, blank lines skipped. */
export async function* jsonLineRecords(input: Readable): AsyncIterable<CheckedRecord> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    const trimmed = line === 1 ? text.replace(/^\uFEFF/, '').trim() : text.trim();
    if (trimmed === '') continue;
    yield checkJsonLine(trimmed, line);
  }
}
