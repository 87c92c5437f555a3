import {
  ActivationExpiredError,
  ActivationNotFoundError,
  ActivationRevokedError,
  ActivationUsedError,
} from './errors';
import { tokenMatches, tokenRecordId } from './secrets';

/** An activation is valid for five days (432,000 s) from the moment its email is sent. */
export const ACTIVATION_LIFETIME_SECONDS = 432_000;
/** How long an activation's record outlives its expiry, so that its link keeps answering 410. */
export const ACTIVATION_RETENTION_SECONDS = 30 * 86_400;
/** How long one registration attempt holds an activation (longer than any attempt can last). */
export const CLAIM_SECONDS = 30;

export type ActivationPurpose = 'holder' | 'secondary';
export type ActivationStatus = 'pending' | 'consumed' | 'revoked' | 'expired' | 'failed';
/** Each token of an activation is a send: a retry after a send that may have arrived adds one. */
export const MAX_TOKENS_PER_ACTIVATION = 12;

/** A single-use secret sent by email: the holder's activation or a secondary user's invitation. */
export interface Activation {
  id: string;
  accountNumber: string;
  purpose: ActivationPurpose;
  /** For an invitation: the person of the account it invites. */
  personId?: string;
  status: ActivationStatus;
  /**
   * The hashes of every token emailed for it, newest last: a send retried after SES may have
   * accepted it adds a token rather than voiding the one the customer may hold.
   */
  tokenHashes: string[];
  sentAt: Date;
  expiresAt: Date;
  /** The workflow's task token, parked until the registration completes. */
  taskToken?: string;
  /** The login created with it, once consumed. */
  registeredUserId?: string;
  /** Until when a registration attempt holds it (see `ActivationStore.claim`). */
  claimedUntil?: Date;
  /** When SES accepted its email; unset while the workflow is still sending it. */
  deliveredAt?: Date;
  /** A send failed in a way that leaves open whether SES accepted it (a timeout). */
  maybeDelivered?: boolean;
}

/** When an activation sent at `sentAt` stops being valid. */
export function activationExpiry(sentAt: Date): Date {
  return new Date(sentAt.getTime() + ACTIVATION_LIFETIME_SECONDS * 1000);
}

/** The status as of `now`: a pending activation past its expiry is expired, whatever TTL says. */
export function effectiveStatus(activation: Pick<Activation, 'status' | 'expiresAt'>, now: Date): ActivationStatus {
  if (activation.status === 'pending' && now.getTime() >= activation.expiresAt.getTime()) return 'expired';
  return activation.status;
}

/**
 * Finds the activation a token stands for and checks it is usable now; never consumes it.
 * @throws ActivationNotFoundError, ActivationExpiredError, ActivationUsedError, ActivationRevokedError
 */
export async function findUsableActivation(
  load: (id: string) => Promise<Activation | undefined>,
  token: string,
  now: Date,
): Promise<Activation> {
  const id = tokenRecordId(token);
  const activation = id ? await load(id) : undefined;
  if (!activation || !activation.tokenHashes.some((hash) => tokenMatches(token, hash))) throw new ActivationNotFoundError();
  assertUsable(activation, now);
  return activation;
}

/** @throws the 410 error that matches the activation's status, unless it is pending and unexpired. */
export function assertUsable(activation: Pick<Activation, 'status' | 'expiresAt'>, now: Date): void {
  switch (effectiveStatus(activation, now)) {
    case 'pending':
      return;
    case 'expired':
      throw new ActivationExpiredError();
    case 'consumed':
      throw new ActivationUsedError();
    case 'revoked':
    // Never delivered: nobody should hold its link; if someone does, it is void like a revoked one.
    case 'failed':
      throw new ActivationRevokedError();
  }
}
