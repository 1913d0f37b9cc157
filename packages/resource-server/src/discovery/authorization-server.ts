/**
 * The authorization server's endpoints, from its OpenID Connect discovery document
 * (`<issuer>/.well-known/openid-configuration`) unless configured outright. Fetched on first use, not at
 * start-up, so a resource server may start before its authorization server; a failed fetch is retried on
 * a later use, at most once per `retryCooldownMs`.
 */
import { VerifierUnavailableError } from "../errors.js";

export interface AuthorizationServerEndpoints {
  jwksUri: string;
  introspectionEndpoint: string;
}

export interface AuthorizationServerOptions {
  issuer: string;
  /** Overrides the discovered `jwks_uri`. */
  jwksUri?: string;
  /** Overrides the discovered `introspection_endpoint`. */
  introspectionEndpoint?: string;
  /** Time the discovery request may take, in milliseconds. Default: 5000. */
  requestTimeoutMs?: number;
  /** Time after a failed discovery before the next attempt, in milliseconds. Default: 1000. */
  retryCooldownMs?: number;
}

/** Largest discovery document read, in bytes. */
export const maxDiscoveryDocumentBytes = 64 * 1024;

export class AuthorizationServer {
  readonly issuer: string;
  readonly #options: AuthorizationServerOptions;
  #endpoints: AuthorizationServerEndpoints | undefined;
  #pending: Promise<AuthorizationServerEndpoints> | undefined;
  #lastFailureMs = Number.NEGATIVE_INFINITY;
  #lastFailure: VerifierUnavailableError | undefined;

  constructor(options: AuthorizationServerOptions) {
    this.issuer = options.issuer;
    this.#options = options;
    const { jwksUri, introspectionEndpoint } = options;
    if (jwksUri !== undefined && introspectionEndpoint !== undefined) {
      this.#endpoints = { jwksUri, introspectionEndpoint };
    }
  }

  /** The endpoints, discovering them first if needed; throws `VerifierUnavailableError` when that fails. */
  endpoints(): Promise<AuthorizationServerEndpoints> {
    if (this.#endpoints !== undefined) return Promise.resolve(this.#endpoints);
    const cooldownMs = this.#options.retryCooldownMs ?? 1000;
    if (this.#lastFailure !== undefined && Date.now() - this.#lastFailureMs < cooldownMs) {
      return Promise.reject(this.#lastFailure);
    }
    this.#pending ??= this.#discover().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #discover(): Promise<AuthorizationServerEndpoints> {
    const url = `${this.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
    try {
      const response = await fetch(url, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(this.#options.requestTimeoutMs ?? 5000),
      });
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      const text = await response.text();
      if (text.length > maxDiscoveryDocumentBytes) throw new Error(`${url} is larger than expected`);
      const document = JSON.parse(text) as Record<string, unknown>;
      if (document.issuer !== this.issuer) {
        throw new Error(`${url} names the issuer ${JSON.stringify(document.issuer)}, not ${this.issuer}`);
      }
      const jwksUri = this.#options.jwksUri ?? document.jwks_uri;
      const introspectionEndpoint = this.#options.introspectionEndpoint ?? document.introspection_endpoint;
      if (typeof jwksUri !== "string" || typeof introspectionEndpoint !== "string") {
        throw new Error(`${url} names no jwks_uri or no introspection_endpoint`);
      }
      this.#endpoints = { jwksUri, introspectionEndpoint };
      this.#lastFailure = undefined;
      return this.#endpoints;
    } catch (error) {
      this.#lastFailureMs = Date.now();
      this.#lastFailure = new VerifierUnavailableError(
        `The authorization server's discovery document could not be read: ${(error as Error).message}`,
        { cause: error },
      );
      throw this.#lastFailure;
    }
  }
}
