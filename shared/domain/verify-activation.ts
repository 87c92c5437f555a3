import { findUsableActivation, type ActivationPurpose } from './activation';
import { maskAccountNumber } from './field-rules';
import type { ActivationStore, Clock } from './ports';

export interface VerifiedActivation {
  status: 'valid';
  purpose: ActivationPurpose;
  expiresAt: string;
  account: { accountNumberMasked: string };
}

/**
 * Checks an activation token without consuming it: opening the link (or a mail scanner doing
 * so) must never use the token up.
 * @throws ActivationNotFoundError, ActivationExpiredError, ActivationUsedError, ActivationRevokedError
 */
export async function verifyActivation(
  deps: { activations: ActivationStore; clock: Clock },
  input: { activationToken: string },
): Promise<VerifiedActivation> {
  const activation = await findUsableActivation((id) => deps.activations.get(id), input.activationToken, deps.clock.now());
  return {
    status: 'valid',
    purpose: activation.purpose,
    expiresAt: activation.expiresAt.toISOString(),
    account: { accountNumberMasked: maskAccountNumber(activation.accountNumber) },
  };
}
