/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The pages' API client: JSON calls with the reader's language (`Accept-Language`), the session
 * token, and an `Idempotency-Key` on state-changing calls. Every outcome is a value, never a
 * throw: the pages show the API's message, or a friendly one when the service is unreachable.
 */
import type { ErrorBody, ErrorCode, FieldProblem } from '../api';
import { lang } from './i18n';

export interface PortalConfig {
  apiUrl: string;
  customerServicePhone: string;
}

/** What a failed call gives the page: the API's error, or `NETWORK` when no answer came. */
export interface ApiFailure {
  ok: false;
  status: number;
  code: ErrorCode | 'NETWORK';
  message: string;
  /** The problems of a 400 `VALIDATION_FAILED`, by field; empty otherwise. */
  fields: FieldProblem[];
  /** From `Retry-After`, in seconds, when the API gave one. */
  retryAfterSeconds?: number;
}

export interface ApiSuccess<T> {
  ok: true;
  status: number;
  data: T;
}

export type ApiResult<T> = ApiSuccess<T> | ApiFailure;

let configPromise: Promise<PortalConfig> | undefined;

/** The portal's `config.json` (API base URL, Customer Service phone), read once. */
export function portalConfig(): Promise<PortalConfig> {
  const base = document.body.dataset.base ?? '';
  configPromise ??= fetch(`${base}/config.json`, { cache: 'no-cache' })
    .then((response) => (response.ok ? (response.json() as Promise<PortalConfig>) : Promise.reject(new Error(String(response.status)))))
    .catch(() => ({ apiUrl: '', customerServicePhone: '' }));
  return configPromise;
}

const SESSION_KEY = 'portal.session';
const NOTE_KEY = 'portal.note';

export interface StoredSession {
  sessionToken: string;
  expiresAt: string;
  user: { username: string; role: 'holder' | 'secondary'; accountNumberMasked: string };
}

/** The session kept for this tab (sessionStorage: gone when the tab closes). */
export const session = {
  get(): StoredSession | undefined {
    try {
      const kept = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as StoredSession | null;
      if (!kept || new Date(kept.expiresAt).getTime() <= Date.now()) return undefined;
      return kept;
    } catch {
      return undefined;
    }
  },
  set(value: StoredSession): void {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
  },
  /** Ends the kept session, leaving a note for the sign-in page to say why. */
  clear(note?: 'signed-out' | 'expired'): void {
    sessionStorage.removeItem(SESSION_KEY);
    if (note) sessionStorage.setItem(NOTE_KEY, note);
  },
  /** The note left by `clear`, once. */
  takeNote(): string | undefined {
    const note = sessionStorage.getItem(NOTE_KEY) ?? undefined;
    sessionStorage.removeItem(NOTE_KEY);
    return note;
  },
};

interface CallOptions {
  body?: unknown;
  /** Sends `Authorization: Bearer` with the kept session. */
  authenticated?: boolean;
  idempotencyKey?: string;
}

/** Calls the API; resolves with its answer or a failure, never rejects. */
export async function api<T>(method: string, path: string, options: CallOptions = {}): Promise<ApiResult<T>> {
  const config = await portalConfig();
  const headers: Record<string, string> = { accept: 'application/json', 'accept-language': lang() };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  const kept = options.authenticated ? session.get() : undefined;
  if (kept) headers.authorization = `Bearer ${kept.sessionToken}`;
  let response: Response;
  try {
    response = await fetch(`${config.apiUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    return { ok: false, status: 0, code: 'NETWORK', message: '', fields: [] };
  }
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.ok) return { ok: true, status: response.status, data: parsed as T };
  const error = (parsed as ErrorBody | undefined)?.error;
  const retryAfter = Number(response.headers.get('retry-after'));
  return {
    ok: false,
    status: response.status,
    code: error?.code ?? (response.status >= 500 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR'),
    message: error?.message ?? '',
    fields: error?.code === 'VALIDATION_FAILED' ? error.fields : [],
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  };
}

/**
 * One `Idempotency-Key` per form submission: a submit repeated with the same body after an
 * answer that settled nothing (no answer, 5xx, `REQUEST_IN_PROGRESS`) reuses the key, so the
 * service does the work at most once; any other answer, or a changed body, starts a new one.
 */
export class IdempotentSubmission {
  private pending?: { key: string; body: string };

  /** The key for a submission of `body`. */
  keyFor(body: unknown): string {
    const text = JSON.stringify(body);
    if (this.pending?.body === text) return this.pending.key;
    this.pending = { key: newKey(), body: text };
    return this.pending.key;
  }

  /** Records the outcome of the call made with the last key. */
  settle(result: ApiResult<unknown>): void {
    const unsettled = !result.ok && (result.status === 0 || result.status >= 500 || result.code === 'REQUEST_IN_PROGRESS');
    if (!unsettled) this.pending = undefined;
  }
}

function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // Outside a secure context randomUUID is missing; 16 random bytes in hex are as good a key.
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
