/**
 * Mounts oidc-provider (a Koa application) into Fastify: each protocol route hands the raw Node request
 * and response to the current provider. Fastify must not read the body of these routes — the provider
 * parses its own — except for introspection and revocation, whose body we rewrite first (see
 * structured-token-bridge.ts) and hand over as a fresh request stream carrying the rewritten body.
 */
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ProviderHolder } from "../provider/provider-holder.js";
import type { StructuredTokenHandles } from "../store/structured-token-handles.js";
import { rewriteStructuredToken } from "./structured-token-bridge.js";

/** oidc-provider's own routes (its defaults), relative to the issuer. */
const protocolRoutes = [
  "/.well-known/openid-configuration",
  "/auth",
  "/auth/:uid",
  "/token",
  "/jwks",
  "/me",
  "/request",
  "/session/end",
  "/session/end/confirm",
  "/session/end/success",
];
const bridgedRoutes = ["/token/introspection", "/token/revocation"];

/** The provider reads at most 56 KiB of a body; a rewritten body is read under the same bound. */
const maxBridgedBodyBytes = 56 * 1024;

export interface ProviderRoutesOptions {
  holder: ProviderHolder;
  handles: StructuredTokenHandles;
  issuer: string;
}

export async function providerRoutes(
  app: FastifyInstance,
  { holder, handles, issuer }: ProviderRoutesOptions,
) {
  // Leave the body stream untouched for the provider, whatever its type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));

  const handOver = (request: FastifyRequest, reply: FastifyReply, raw: IncomingMessage = request.raw) => {
    reply.hijack();
    holder.provider.callback()(raw, reply.raw);
  };

  for (const url of protocolRoutes) {
    app.route({ method: ["GET", "POST", "OPTIONS"], url, handler: handOver });
  }
  for (const url of bridgedRoutes) {
    app.route({
      method: ["POST", "OPTIONS"],
      url,
      handler: async (request, reply) => {
        if (request.method === "POST" && isForm(request.raw)) {
          const body = await readBody(request.raw, maxBridgedBodyBytes);
          if (body === undefined) {
            return reply
              .code(413)
              .send({ error: "invalid_request", error_description: "request body too large" });
          }
          const rewritten = await rewriteStructuredToken(body, issuer, holder.verificationKeys, handles);
          return handOver(request, reply, withBody(request.raw, rewritten));
        }
        handOver(request, reply);
      },
    });
  }
}

function isForm(request: IncomingMessage) {
  return (request.headers["content-type"] ?? "")
    .toLowerCase()
    .startsWith("application/x-www-form-urlencoded");
}

/** A stand-in for `request` whose body stream yields `body` instead (with a matching content-length). */
function withBody(request: IncomingMessage, body: string): IncomingMessage {
  const bytes = Buffer.from(body, "utf8");
  return Object.assign(Readable.from([bytes]), {
    headers: { ...request.headers, "content-length": String(bytes.length) },
    rawHeaders: request.rawHeaders,
    method: request.method,
    url: request.url,
    socket: request.socket,
    connection: request.socket,
    httpVersion: request.httpVersion,
    httpVersionMajor: request.httpVersionMajor,
    httpVersionMinor: request.httpVersionMinor,
  }) as unknown as IncomingMessage;
}

/** The whole body as text, or `undefined` when it is larger than `maxBytes`. */
async function readBody(request: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of request) {
    received += (chunk as Buffer).length;
    if (received > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
