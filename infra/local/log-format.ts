/**
 * The local stack's terminal view of the functions' logs. On Lambda every log entry
 * and every metric (EMF) is one JSON line, which is what CloudWatch wants and what this leaves
 * untouched when stdout is not a terminal (tests, pipes, files). On a terminal, each becomes one
 * short line: time, level, function, message, correlation id, then the entry's own fields.
 */

/** The logger's standard keys (Powertools Logger's): shown in the line's fixed columns, or left out as noise. */
const STANDARD_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'function_name',
  'function_arn',
  'function_memory_size',
  'function_request_id',
  'cold_start',
  'xray_trace_id',
  'correlation_id',
]);

const ANSI = { reset: '\x1b[0m', dim: '\x1b[2m', bold: '\x1b[1m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', magenta: '\x1b[35m', gray: '\x1b[90m' };
const LEVEL_COLORS: Record<string, string> = { TRACE: ANSI.gray, DEBUG: ANSI.gray, INFO: ANSI.cyan, WARN: ANSI.yellow, ERROR: ANSI.red, CRITICAL: ANSI.red };

export interface LogFormatOptions {
  color: boolean;
}

/**
 * One line of output as the terminal shows it: a log entry or an EMF metric becomes a
 * short line; anything else (the stack's own messages) is returned as is.
 */
export function formatLogLine(line: string, options: LogFormatOptions): string {
  if (!line.startsWith('{')) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null) return line;
  const paint = (color: string, text: string) => (options.color ? `${color}${text}${ANSI.reset}` : text);

  const metric = metricOf(entry);
  if (metric) {
    const at = (entry._aws as { Timestamp?: unknown }).Timestamp;
    const time = typeof at === 'number' ? new Date(at).toISOString() : new Date().toISOString();
    return [paint(ANSI.dim, clock(time)), paint(ANSI.magenta, 'METRIC'), metric].join(' ');
  }
  if (typeof entry.level !== 'string' || typeof entry.message !== 'string') return line;

  const level = entry.level.toUpperCase();
  const fields = Object.entries(entry)
    .filter(([key, value]) => !STANDARD_KEYS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${fieldValue(value)}`);
  return [
    paint(ANSI.dim, clock(String(entry.timestamp ?? ''))),
    paint(LEVEL_COLORS[level] ?? '', level.padEnd(5)),
    paint(ANSI.bold, String(entry.function_name ?? entry.service ?? '-')),
    entry.message,
    ...(typeof entry.correlation_id === 'string' ? [paint(ANSI.gray, `[${entry.correlation_id.slice(0, 8)}]`)] : []),
    ...(fields.length > 0 ? [paint(ANSI.dim, fields.join(' '))] : []),
  ].join(' ');
}

/** `Registrations +1 Path=identity` for an EMF line, or undefined for anything else. */
function metricOf(entry: Record<string, unknown>): string | undefined {
  const aws = entry._aws as { CloudWatchMetrics?: { Dimensions?: string[][]; Metrics?: { Name: string }[] }[] } | undefined;
  const directive = aws?.CloudWatchMetrics?.[0];
  if (!directive?.Metrics) return undefined;
  const dimensions = (directive.Dimensions?.[0] ?? []).filter((name) => name !== 'service').map((name) => `${name}=${String(entry[name])}`);
  const values = directive.Metrics.map((metric) => `${metric.Name} +${String(entry[metric.Name])}`);
  return [...values, ...dimensions].join(' ');
}

/** `14:03:07.123` (local time) from an ISO timestamp; the text itself when it is not one. */
function clock(timestamp: string): string {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return timestamp;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function fieldValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  if (value && typeof value === 'object' && 'name' in value && 'message' in value) {
    const error = value as { name: unknown; message: unknown; location?: unknown };
    return JSON.stringify(`${String(error.name)}: ${String(error.message)}${error.location ? ` (${String(error.location)})` : ''}`);
  }
  return JSON.stringify(value);
}

/**
 * Rewrites what is written to `stream` line by line with `formatLogLine`. The logger
 * (`shared/observability/logger.ts`) and the metrics writer (`business-metrics.ts` beside it)
 * write each entry with one `write` call on process.stdout, so lines arrive whole.
 */
export function prettyPrintLogs(stream: NodeJS.WriteStream, options: LogFormatOptions): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'string' || !chunk.includes('{')) return write(chunk, ...rest);
    return write(chunk.split('\n').map((line) => formatLogLine(line, options)).join('\n'), ...rest);
  }) as typeof stream.write;
}
