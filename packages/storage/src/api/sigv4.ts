/**
 * Verifies AWS Signature Version 4 on incoming requests, the way DynamoDB does, against the access keys
 * this store is configured with. Only the `Authorization` header form is accepted (the SDK never
 * presigns DynamoDB calls).
 */
import { createHmac, hash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { DynamoError } from "../errors.js";
import { HmacSha256Key } from "./hmac-sha256.js";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The key pair a local store accepts when none is configured; printed at start. */
export const DEFAULT_CREDENTIALS: Credentials = {
  accessKeyId: "hakobune",
  secretAccessKey: "hakobune-local-secret",
};

/** How far a request's `X-Amz-Date` may be from our clock, as AWS allows: 15 minutes. */
export const maxClockSkewMs = 15 * 60 * 1000;
/** Derived signing keys cached per (key, date, region, service); bounded so a flood of scopes cannot grow it. */
export const maxCachedSigningKeys = 64;
/** Parsed Authorization headers cached by their text before the signature; bounded like the signing keys. */
export const maxCachedAuthorizations = 64;

const algorithm = "AWS4-HMAC-SHA256";

/** What an Authorization header says apart from its signature: shared by every request of one client. */
interface AuthorizationScope {
  /** The Credential parameter minus its "/aws4_request" end: key id, date, region and service. */
  readonly credentialScope: string;
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  /** `signedHeaders` joined with ";", as the canonical request lists them. */
  readonly signedHeadersText: string;
  /** `date/region/service/aws4_request`, as the string to sign names the scope. */
  readonly stringToSignScope: string;
}

interface ParsedAuthorization {
  readonly scope: AuthorizationScope;
  readonly signature: string;
}

function incomplete(message: string): DynamoError {
  return new DynamoError("IncompleteSignatureException", message);
}

function parseAuthorization(header: string): ParsedAuthorization {
  if (!header.startsWith(`${algorithm} `)) {
    throw incomplete(`Authorization header requires the ${algorithm} algorithm.`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(algorithm.length + 1).split(",")) {
    const at = part.indexOf("=");
    if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || !signature) {
    throw incomplete(
      "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.",
    );
  }
  const scope = credential.split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request") {
    throw incomplete(
      `Credential should be scoped to a valid region and service, not '${credential.slice(0, 128)}'.`,
    );
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string];
  const signedHeaderNames = signedHeaders.split(";");
  const parsed: AuthorizationScope = {
    credentialScope: credential.slice(0, -"/aws4_request".length),
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: signedHeaderNames,
    signedHeadersText: signedHeaderNames.join(";"),
    stringToSignScope: `${date}/${region}/${service}/aws4_request`,
  };
  return { scope: parsed, signature };
}

/** Where a header's last parameter starts when it is the signature, as every AWS signer writes it. */
const trailingSignature = ", Signature=";
/** An HMAC-SHA-256 signature's size. Bytes. */
const signatureBytes = 32;

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(",") : value;
}

function parseAmzDate(text: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return Number.NaN;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

/** Whether trimming and collapsing whitespace runs to one space (SigV4's canonical form) changes a value. */
const notCanonicalWhitespace = /^\s|\s$|\s\s|[^\S ]/;

/**
 * Whether `value` is already in SigV4's canonical form: the regular expression's answer, found by a
 * scan while the value is printable ASCII (every value an SDK sends); any other character leaves the
 * question to the regular expression, whose `\s` knows every Unicode space.
 */
function isCanonicalHeaderValue(value: string): boolean {
  // A space first is not canonical: count the start as following a space.
  let afterSpace = true;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x20) {
      if (afterSpace) return false;
      afterSpace = true;
    } else if (code < 0x21 || code > 0x7e) {
      return !notCanonicalWhitespace.test(value);
    } else {
      afterSpace = false;
    }
  }
  return !afterSpace || value.length === 0;
}

/** `value` trimmed and with each whitespace run collapsed to one space, as SigV4 signs header values. */
export function canonicalHeaderValue(value: string): string {
  return isCanonicalHeaderValue(value) ? value : value.trim().replace(/\s+/g, " ");
}

const sha256Hex = (data: string | Buffer) => hash("sha256", data, "hex");

/** Checks signatures; one instance per server, holding the configured keys. */
export class SignatureVerifier {
  #secrets = new Map<string, string>();
  #signingKeys = new Map<string, HmacSha256Key>();
  #authorizations = new Map<string, AuthorizationScope>();
  /**
   * The Authorization text (before the signature) met last and its scope: one client's requests find it
   * here by comparing the text, without hashing it for a Map lookup.
   */
  #lastAuthorizationPrefix = "";
  #lastAuthorizationScope: AuthorizationScope | undefined;
  /**
   * The given signature decoded, reused by every request. One byte longer than a signature, so that a
   * longer one is told apart as `Buffer.from(text, "hex")` would tell it.
   */
  readonly #givenSignature = Buffer.alloc(signatureBytes + 1);
  readonly #givenSignatureBytes = this.#givenSignature.subarray(0, signatureBytes);
  /** The X-Amz-Date parsed last and its time: requests signed in the same second share one. */
  #lastAmzDate = "";
  #lastRequestTimeMs = Number.NaN;

  constructor(credentials: Credentials[]) {
    for (const { accessKeyId, secretAccessKey } of credentials)
      this.#secrets.set(accessKeyId, secretAccessKey);
  }

  /** Throws the DynamoDB error a client would get when the request is not signed by a known key. */
  verify(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
    nowMs = Date.now(),
  ): string {
    const authorization = headerValue(headers, "authorization");
    if (!authorization) {
      throw new DynamoError("MissingAuthenticationTokenException", "Request is missing Authentication Token");
    }
    const { scope: auth, signature } = this.#parseAuthorization(authorization);
    const secret = this.#secrets.get(auth.accessKeyId);
    if (secret === undefined) {
      throw new DynamoError(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
      );
    }
    const amzDate = headerValue(headers, "x-amz-date") ?? "";
    const requestTimeMs = this.#requestTimeMs(amzDate);
    if (Number.isNaN(requestTimeMs) || !auth.signedHeaders.includes("host")) {
      throw incomplete("The request must carry a valid X-Amz-Date header and sign the host header.");
    }
    if (Math.abs(nowMs - requestTimeMs) > maxClockSkewMs) {
      throw new DynamoError(
        "InvalidSignatureException",
        `Signature expired: ${amzDate} is now earlier or later than the allowed 15 minutes of clock skew.`,
      );
    }
    let canonicalHeaders = "";
    for (const name of auth.signedHeaders) {
      canonicalHeaders += `${name}:${canonicalHeaderValue(headerValue(headers, name) ?? "")}\n`;
    }
    // The payload hash is always computed from the body received; a client-sent x-amz-content-sha256
    // is never trusted, or a captured signature could be replayed with another body.
    const payloadHash = sha256Hex(body);
    const queryAt = path.indexOf("?");
    const pathname = queryAt < 0 ? path : path.slice(0, queryAt);
    const canonicalQuery =
      queryAt < 0
        ? ""
        : path
            .slice(queryAt + 1)
            .split("?", 1)[0]!
            .split("&")
            .filter(Boolean)
            .sort()
            .join("&");
    const canonicalRequest = `${method}\n${pathname}\n${canonicalQuery}\n${canonicalHeaders}\n${auth.signedHeadersText}\n${payloadHash}`;
    const stringToSign = `${algorithm}\n${amzDate}\n${auth.stringToSignScope}\n${sha256Hex(canonicalRequest)}`;
    const expected = this.#signingKey(secret, auth).sign(stringToSign);
    const givenBytes = this.#givenSignature.write(signature, 0, this.#givenSignature.length, "hex");
    if (givenBytes !== signatureBytes || !timingSafeEqual(this.#givenSignatureBytes, expected)) {
      throw new DynamoError(
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
      );
    }
    return auth.accessKeyId;
  }

  /**
   * The header parsed. A client signs every request with the same credential and headers, so the text
   * before a trailing `, Signature=` is parsed once and kept; the split on commas that a full parse
   * does would give the same fields, the last `Signature` winning.
   */
  #parseAuthorization(header: string): ParsedAuthorization {
    const at = header.lastIndexOf(trailingSignature);
    const signature = at < 0 ? "" : header.slice(at + trailingSignature.length);
    if (at < 0 || signature.includes(",")) return parseAuthorization(header);
    const prefix = header.slice(0, at);
    const cached =
      prefix === this.#lastAuthorizationPrefix
        ? this.#lastAuthorizationScope
        : this.#authorizations.get(prefix);
    if (cached === undefined || signature.trim() === "") {
      const parsed = parseAuthorization(header);
      if (this.#authorizations.size >= maxCachedAuthorizations) this.#authorizations.clear();
      this.#authorizations.set(prefix, parsed.scope);
      this.#remember(prefix, parsed.scope);
      return parsed;
    }
    this.#remember(prefix, cached);
    return { scope: cached, signature: signature.trim() };
  }

  #remember(prefix: string, scope: AuthorizationScope): void {
    this.#lastAuthorizationPrefix = prefix;
    this.#lastAuthorizationScope = scope;
  }

  #requestTimeMs(amzDate: string): number {
    if (amzDate !== this.#lastAmzDate) {
      this.#lastRequestTimeMs = parseAmzDate(amzDate);
      this.#lastAmzDate = amzDate;
    }
    return this.#lastRequestTimeMs;
  }

  #signingKey(secret: string, auth: AuthorizationScope): HmacSha256Key {
    let key = this.#signingKeys.get(auth.credentialScope);
    if (key === undefined) {
      const derive = (parent: Buffer | string, data: string) =>
        createHmac("sha256", parent).update(data).digest();
      const dateKey = derive(`AWS4${secret}`, auth.date);
      key = new HmacSha256Key(derive(derive(derive(dateKey, auth.region), auth.service), "aws4_request"));
      if (this.#signingKeys.size >= maxCachedSigningKeys) this.#signingKeys.clear();
      this.#signingKeys.set(auth.credentialScope, key);
    }
    return key;
  }
}
