/**
 * The user's session with auth-center: signing in (authorization code + PKCE + `state`, through the
 * loopback redirect), handing out an access token that is still valid (refreshing it first when it is
 * about to expire), and signing out (revoking the tokens at auth-center, then forgetting them).
 */
import * as oidc from "openid-client";
import type { AppConfig } from "../config/app-config.js";
import { LoginFailedError, NotLoggedInError, RecipeAppError } from "../errors.js";
import { openLoopbackRedirect } from "./loopback-redirect.js";
import { discoverIssuer } from "./oidc-client.js";
import type { SavedSession, TokenStore } from "./token-store.js";

/** An access token this close to its expiry is refreshed before use, in seconds. */
export const refreshMarginSeconds = 30;

export interface LoginPrompt {
  /** Called with the authorization URL once the loopback listener is ready. */
  showAuthorizationUrl(url: string): void;
}

export class Session {
  readonly #config: AppConfig;
  readonly #store: TokenStore;
  #issuer: oidc.Configuration | undefined;

  constructor(config: AppConfig, store: TokenStore) {
    this.#config = config;
    this.#store = store;
  }

  /** Runs the whole sign-in; resolves with the saved session once the code is exchanged. */
  async login(prompt: LoginPrompt): Promise<SavedSession> {
    const issuer = await this.#discover();
    const redirect = await openLoopbackRedirect();
    try {
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const authorizationUrl = oidc.buildAuthorizationUrl(issuer, {
        redirect_uri: redirect.redirectUri,
        scope: this.#config.scope,
        resource: this.#config.resource,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: "S256",
        state,
        // offline_access (a refresh token) is granted only with an explicit consent prompt.
        prompt: "consent",
      });
      prompt.showAuthorizationUrl(authorizationUrl.href);
      const tokens = await redirect.receive(async (callbackUrl) => {
        try {
          return await oidc.authorizationCodeGrant(issuer, callbackUrl, {
            pkceCodeVerifier: codeVerifier,
            expectedState: state,
            idTokenExpected: this.#config.scope.split(" ").includes("openid"),
          });
        } catch (error) {
          throw new LoginFailedError(`auth-center did not sign you in: ${describe(error)}`, { cause: error });
        }
      }, this.#config.loginTimeoutMs);
      const session = this.#sessionOf(tokens, undefined);
      await this.#store.save(session);
      return session;
    } finally {
      await redirect.close();
    }
  }

  /** An access token valid for at least `refreshMarginSeconds`; refreshes and saves when needed. */
  async accessToken(): Promise<string> {
    const session = await this.#savedSession();
    if (session.expiresAt - refreshMarginSeconds > Date.now() / 1000) return session.accessToken;
    return (await this.refresh(session)).accessToken;
  }

  /** Trades the refresh token for new tokens; a refused refresh ends the session. */
  async refresh(current?: SavedSession): Promise<SavedSession> {
    const session = current ?? (await this.#savedSession());
    if (session.refreshToken === undefined) {
      throw new NotLoggedInError("Your session has expired: run `recipe-app login` again.");
    }
    const issuer = await this.#discover();
    let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      tokens = await oidc.refreshTokenGrant(issuer, session.refreshToken, {
        resource: this.#config.resource,
      });
    } catch (error) {
      if (error instanceof oidc.ResponseBodyError && error.error === "invalid_grant") {
        await this.#store.remove();
        throw new NotLoggedInError("Your session has ended: run `recipe-app login` again.");
      }
      throw error;
    }
    const refreshed = this.#sessionOf(tokens, session);
    await this.#store.save(refreshed);
    return refreshed;
  }

  /**
   * Revokes the access and refresh tokens at auth-center and forgets them. The local session is gone even
   * when revocation fails; the error then says the tokens may still be valid.
   */
  async logout(): Promise<boolean> {
    const session = await this.#store.load();
    if (session === undefined) return false;
    try {
      const issuer = await this.#discover();
      await oidc.tokenRevocation(issuer, session.accessToken, { token_type_hint: "access_token" });
      if (session.refreshToken !== undefined) {
        await oidc.tokenRevocation(issuer, session.refreshToken, { token_type_hint: "refresh_token" });
      }
    } catch (error) {
      await this.#store.remove();
      throw new RecipeAppError(
        "REVOCATION_FAILED",
        `Signed out here, but auth-center could not revoke the tokens (${describe(error)}); they stay valid until they expire.`,
      );
    }
    await this.#store.remove();
    return true;
  }

  async #savedSession(): Promise<SavedSession> {
    const session = await this.#store.load();
    if (
      session === undefined ||
      session.issuer !== this.#config.issuer ||
      session.clientId !== this.#config.clientId
    ) {
      throw new NotLoggedInError();
    }
    return session;
  }

  async #discover(): Promise<oidc.Configuration> {
    this.#issuer ??= await discoverIssuer(this.#config);
    return this.#issuer;
  }

  #sessionOf(
    tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers,
    previous: SavedSession | undefined,
  ): SavedSession {
    const expiresIn = tokens.expiresIn() ?? 0;
    return {
      issuer: this.#config.issuer,
      clientId: this.#config.clientId,
      accessToken: tokens.access_token,
      // Refresh tokens rotate; when none comes back, the old one is still the one to use.
      refreshToken: tokens.refresh_token ?? previous?.refreshToken,
      idToken: tokens.id_token ?? previous?.idToken,
      expiresAt: Math.floor(Date.now() / 1000) + expiresIn,
      scope: tokens.scope ?? previous?.scope,
    };
  }
}

function describe(error: unknown): string {
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) {
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ""}`;
  }
  return error instanceof Error ? error.message : String(error);
}
