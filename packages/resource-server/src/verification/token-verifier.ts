/**
 * The contract both verification modes fulfil: turn a token into a `VerifiedToken` after checking its
 * signature or activity, issuer, audience and expiry — or refuse it with `InvalidTokenError`, or give up
 * with `VerifierUnavailableError` when the authorization server cannot be reached. Scopes are checked
 * later, per route.
 */
import type { VerifiedToken } from "../tokens/verified-token.js";

export const verificationModes = ["jwt", "introspection"] as const;
export type VerificationMode = (typeof verificationModes)[number];

export interface TokenVerifier {
  readonly mode: VerificationMode;
  verify(token: string): Promise<VerifiedToken>;
}
