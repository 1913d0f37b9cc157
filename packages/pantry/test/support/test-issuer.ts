/**
 * A stand-in issuer for pantry's own tests: an OpenID discovery document and a JWKS, and a `sign` that
 * mints RFC 9068 access tokens with whatever claims a test needs (expired, another audience, fewer
 * scopes). Pantry verifies them locally (`jwt` mode). The end-to-end tests use the real auth-center.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

/** The private half of a key `generateKeyPair` makes. */
type SigningPrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

export class TestIssuer {
  issuer = "";
  #server: Server | undefined;
  #privateKey: SigningPrivateKey | undefined;
  readonly #kid = randomUUID();

  async start(): Promise<this> {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    this.#privateKey = privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: this.#kid, alg: "ES256", use: "sig" };
    this.#server = createServer((request, response) => {
      const body =
        request.url === "/.well-known/openid-configuration"
          ? {
              issuer: this.issuer,
              jwks_uri: `${this.issuer}/jwks`,
              introspection_endpoint: `${this.issuer}/none`,
            }
          : request.url === "/jwks"
            ? { keys: [jwk] }
            : undefined;
      response.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json" });
      response.end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    this.issuer = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** An access token for `sub` with both recipe scopes, for pantry, valid ten minutes; `claims` override. */
  async sign(sub: string, claims: Record<string, unknown> = {}): Promise<string> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: this.issuer,
      aud: "urn:hakobune:pantry",
      sub,
      client_id: "recipe-app",
      scope: "recipes:read recipes:write",
      jti: randomUUID(),
      iat: nowSeconds,
      exp: nowSeconds + 600,
      ...claims,
    })
      .setProtectedHeader({ alg: "ES256", kid: this.#kid, typ: "at+jwt" })
      .sign(this.#privateKey as SigningPrivateKey);
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}
