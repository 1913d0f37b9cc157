/**
 * recipe-app's view of auth-center through openid-client: discovery, and the client it is there — a
 * public native client (RFC 8252), so no secret: PKCE protects the code instead. Plain http is allowed
 * only for an issuer on this machine (localhost or a loopback address), as in the local platform.
 */
import * as oidc from "openid-client";
import type { AppConfig } from "../config/app-config.js";
import { UnreachableError } from "../errors.js";

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

export async function discoverIssuer(config: AppConfig): Promise<oidc.Configuration> {
  const issuer = new URL(config.issuer);
  const local = issuer.protocol === "http:" && loopbackHosts.has(issuer.hostname);
  try {
    return await oidc.discovery(issuer, config.clientId, undefined, oidc.None(), {
      ...(local ? { execute: [oidc.allowInsecureRequests] } : {}),
      timeout: 10,
    });
  } catch (error) {
    throw new UnreachableError("auth-center", config.issuer, { cause: error });
  }
}
