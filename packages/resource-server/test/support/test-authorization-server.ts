/**
 * A small authorization server for the resource server's tests: discovery, a JWKS of ES256 keys it can
 * rotate, RFC 7662 introspection of the tokens it signed, and a revocation event stream the test
 * publishes to. It counts every request so tests can tell a cache hit from a verification.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

/** The private half of a key `generateKeyPair` makes. */
type SigningPrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

export const testClientId = "resource";
export const testClientSecret = "resource-secret";
export const testAudience = "urn:test:resource";

interface SigningKey {
  kid: string;
  privateKey: SigningPrivateKey;
  publicJwk: JWK;
}

export interface SignOptions {
  /** Claims replacing or adding to the defaults (iss, aud, sub, scope, jti, iat, exp). */
  claims?: Record<string, unknown>;
  /** `typ` header. Default: `at+jwt`. */
  typ?: string;
  /** Sign with a key the JWKS does not publish. */
  unpublishedKey?: boolean;
}

export class TestAuthorizationServer {
  readonly requests = { discovery: 0, jwks: 0, introspection: 0, events: 0 };
  readonly lastEventIdsSeen: string[] = [];
  /** Introspection answers by token; `revoke` flips one to inactive. */
  readonly #introspection = new Map<string, Record<string, unknown>>();
  readonly #eventStreams = new Set<ServerResponse>();
  #keys: SigningKey[] = [];
  #nextEventId = 1;
  #server: Server | undefined;
  #unavailable = false;
  issuer = "";

  async start(): Promise<this> {
    this.#keys = [await newKey()];
    this.#server = createServer((request, response) => this.#handle(request, response));
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    this.issuer = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Makes every endpoint answer 503 (or serve again). */
  setUnavailable(unavailable: boolean): void {
    this.#unavailable = unavailable;
    if (unavailable) this.dropEventStreams();
  }

  get eventStreamCount(): number {
    return this.#eventStreams.size;
  }

  async sign(options: SignOptions = {}): Promise<string> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: this.issuer,
      aud: testAudience,
      sub: "user-1",
      client_id: "app",
      scope: "recipes:read recipes:write",
      jti: randomUUID(),
      iat: nowSeconds,
      exp: nowSeconds + 600,
      ...options.claims,
    };
    const key = options.unpublishedKey ? await newKey() : (this.#keys[0] as SigningKey);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: options.typ ?? "at+jwt" })
      .sign(key.privateKey);
    this.#introspection.set(token, { active: true, token_type: "Bearer", ...claims });
    return token;
  }

  /** A new signing key, published in front of the old ones. */
  async rotateKeys(): Promise<void> {
    this.#keys = [await newKey(), ...this.#keys];
  }

  revoke(token: string): void {
    this.#introspection.set(token, { active: false });
  }

  /** Sends a revocation event to every subscriber; returns its id. */
  publish(event: Record<string, unknown>): number {
    const id = this.#nextEventId++;
    const frame = `id: ${id}\nevent: revocation\ndata: ${JSON.stringify(event)}\n\n`;
    for (const stream of this.#eventStreams) stream.write(frame);
    return id;
  }

  dropEventStreams(): void {
    for (const stream of this.#eventStreams) stream.destroy();
    this.#eventStreams.clear();
  }

  async close(): Promise<void> {
    this.dropEventStreams();
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    if (this.#unavailable) {
      response.writeHead(503).end();
      return;
    }
    const path = new URL(request.url ?? "/", this.issuer).pathname;
    if (path === "/.well-known/openid-configuration") {
      this.requests.discovery++;
      json(response, 200, {
        issuer: this.issuer,
        jwks_uri: `${this.issuer}/jwks`,
        introspection_endpoint: `${this.issuer}/token/introspection`,
      });
    } else if (path === "/jwks") {
      this.requests.jwks++;
      json(response, 200, { keys: this.#keys.map((key) => key.publicJwk) });
    } else if (path === "/token/introspection" && request.method === "POST") {
      this.requests.introspection++;
      void this.#introspect(request, response);
    } else if (path === "/events/revocations") {
      this.requests.events++;
      this.lastEventIdsSeen.push(String(request.headers["last-event-id"] ?? ""));
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      response.write(": connected\n\n");
      this.#eventStreams.add(response);
      response.on("close", () => this.#eventStreams.delete(response));
    } else {
      json(response, 404, { error: "not_found" });
    }
  }

  async #introspect(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = "";
    for await (const chunk of request) body += chunk;
    const expected = `Basic ${Buffer.from(`${testClientId}:${testClientSecret}`).toString("base64")}`;
    if (request.headers.authorization !== expected) {
      json(response, 401, { error: "invalid_client" });
      return;
    }
    const token = new URLSearchParams(body).get("token") ?? "";
    const answer = this.#introspection.get(token) ?? { active: false };
    const expired = typeof answer.exp === "number" && answer.exp <= Date.now() / 1000;
    json(response, 200, expired ? { active: false } : answer);
  }
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
