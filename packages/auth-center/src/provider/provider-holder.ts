/**
 * Holds the running oidc-provider instance. oidc-provider fixes its signing keys at construction, so when
 * the stored key set changes (a rotation, by this or any other instance) the holder builds a new provider
 * with the new keys and swaps it in; every request already in flight finishes on the old one. All state
 * is in storage, so nothing is lost in the swap.
 */

import { createLocalJWKSet, type JWK, type JWTVerifyGetKey } from "jose";
import Provider from "oidc-provider";
import { providerJwks, readSigningKeys, type SigningKeySet } from "../keys/signing-keys.js";
import type { AuthTable } from "../store/auth-table.js";
import type { ProviderConfigurationInput } from "./provider-configuration.js";
import { providerConfiguration } from "./provider-configuration.js";

export interface ProviderHolderOptions {
  table: AuthTable;
  /** Everything the configuration needs except the keys, which the holder supplies. */
  configuration: Omit<ProviderConfigurationInput, "jwks">;
  /** Applied to every new provider instance (event listeners, middleware). */
  prepare: (provider: Provider) => void;
  /** Trust X-Forwarded-* headers (behind a TLS-terminating proxy). */
  trustProxy: boolean;
}

export class ProviderHolder {
  readonly #options: ProviderHolderOptions;
  #provider: Provider;
  #keySet: SigningKeySet;
  #verificationKeys: JWTVerifyGetKey;

  constructor(options: ProviderHolderOptions, keySet: SigningKeySet) {
    this.#options = options;
    this.#keySet = keySet;
    this.#provider = this.#build(keySet);
    this.#verificationKeys = verificationKeysOf(keySet);
  }

  get provider(): Provider {
    return this.#provider;
  }

  /** The public keys tokens of this issuer verify against, retired keys included. */
  get verificationKeys(): JWTVerifyGetKey {
    return this.#verificationKeys;
  }

  get activeKeyId(): string | undefined {
    return this.#keySet.keys[0]?.jwk.kid;
  }

  /** Rebuilds the provider if the stored key set changed; returns whether it did. */
  async refreshKeys(): Promise<boolean> {
    const stored = await readSigningKeys(this.#options.table);
    if (!stored || stored.keys.length === 0) return false;
    const changed =
      stored.version !== this.#keySet.version || stored.keys.length !== this.#keySet.keys.length;
    if (!changed) return false;
    this.#provider = this.#build(stored);
    this.#verificationKeys = verificationKeysOf(stored);
    this.#keySet = stored;
    return true;
  }

  #build(keySet: SigningKeySet): Provider {
    const { config } = this.#options.configuration;
    const provider = new Provider(
      config.issuer,
      providerConfiguration({ ...this.#options.configuration, jwks: providerJwks(keySet) }),
    );
    provider.proxy = this.#options.trustProxy;
    this.#options.prepare(provider);
    return provider;
  }
}

function verificationKeysOf(keySet: SigningKeySet): JWTVerifyGetKey {
  const keys: JWK[] = keySet.keys.map(({ jwk }) => {
    const { d: _private, ...publicKey } = jwk;
    return publicKey;
  });
  return createLocalJWKSet({ keys });
}
