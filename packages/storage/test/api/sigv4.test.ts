import { createHash } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { canonicalHeaderValue, maxCachedAuthorizations, SignatureVerifier } from "../../src/api/sigv4.js";
import { DynamoError } from "../../src/errors.js";

const credentials = { accessKeyId: "hakobune", secretAccessKey: "hakobune-local-secret" };

async function signedRequest(
  body: string,
  secretAccessKey = credentials.secretAccessKey,
  signingDate = new Date(),
  extra: { headers?: Record<string, string>; query?: Record<string, string> } = {},
) {
  const signer = new SignatureV4({
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey },
    region: "us-east-1",
    service: "dynamodb",
    sha256: Hash.bind(null, "sha256"),
  });
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: 8000,
      path: "/",
      headers: {
        host: "127.0.0.1:8000",
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.ListTables",
        ...extra.headers,
      },
      ...(extra.query ? { query: extra.query } : {}),
      body,
    },
    { signingDate },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = String(value);
  return headers;
}

function errorType(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error instanceof DynamoError ? error.type : String(error);
  }
}

/** Random header values checked against the plain definition of the canonical form. */
const canonicalFormSamples = 20_000;

describe("canonicalHeaderValue", () => {
  it("trims and collapses whitespace runs exactly as the plain definition does", () => {
    const alphabet = [
      "a",
      "Z",
      "0",
      ";",
      "=",
      " ",
      " ",
      "\t",
      "\r",
      "\n",
      "\u000b",
      "\u00a0",
      "é",
      "\u2028",
      "\u3000",
      "日",
    ];
    let seed = 1;
    const next = () => {
      // xorshift32: deterministic, and every run checks the same values.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    for (let sample = 0; sample < canonicalFormSamples; sample++) {
      let value = "";
      const length = next() % 8;
      for (let i = 0; i < length; i++) value += alphabet[next() % alphabet.length];
      expect(canonicalHeaderValue(value), JSON.stringify(value)).toBe(value.trim().replace(/\s+/g, " "));
    }
  });
});

describe("SigV4 verification", () => {
  const verifier = new SignatureVerifier([credentials]);

  it("accepts a request the AWS signer signed with the configured key", async () => {
    const body = "{}";
    const headers = await signedRequest(body);
    expect(verifier.verify("POST", "/", headers, Buffer.from(body))).toBe("hakobune");
  });

  it("rejects a body changed after signing", async () => {
    const headers = await signedRequest("{}");
    headers["x-amz-content-sha256"] = createHash("sha256").update('{"Limit":1}').digest("hex");
    expect(errorType(() => verifier.verify("POST", "/", headers, Buffer.from('{"Limit":1}')))).toBe(
      "InvalidSignatureException",
    );
  });

  it("rejects a signature made with another secret", async () => {
    const headers = await signedRequest("{}", "not-the-secret");
    expect(errorType(() => verifier.verify("POST", "/", headers, Buffer.from("{}")))).toBe(
      "InvalidSignatureException",
    );
  });

  it("rejects an unknown access key and a missing header", async () => {
    const other = new SignatureVerifier([{ accessKeyId: "someone-else", secretAccessKey: "x" }]);
    const headers = await signedRequest("{}");
    expect(errorType(() => other.verify("POST", "/", headers, Buffer.from("{}")))).toBe(
      "UnrecognizedClientException",
    );
    expect(errorType(() => verifier.verify("POST", "/", {}, Buffer.from("{}")))).toBe(
      "MissingAuthenticationTokenException",
    );
    expect(
      errorType(() => verifier.verify("POST", "/", { authorization: "Basic abc" }, Buffer.from("{}"))),
    ).toBe("IncompleteSignatureException");
  });

  it("canonicalizes header whitespace as the signer does", async () => {
    const headers = await signedRequest("{}", credentials.secretAccessKey, new Date(), {
      headers: { "x-custom": "  a   b\tc  ", "x-plain": "a b c" },
    });
    expect(verifier.verify("POST", "/", headers, Buffer.from("{}"))).toBe("hakobune");
    headers["x-plain"] = "a  b c";
    expect(errorType(() => verifier.verify("POST", "/", headers, Buffer.from("{}")))).toBeUndefined();
    headers["x-plain"] = "a b-c";
    expect(errorType(() => verifier.verify("POST", "/", headers, Buffer.from("{}")))).toBe(
      "InvalidSignatureException",
    );
  });

  it("sorts the query string into canonical order and signs the path without it", async () => {
    const headers = await signedRequest("{}", credentials.secretAccessKey, new Date(), {
      query: { b: "2", a: "1" },
    });
    expect(verifier.verify("POST", "/?b=2&a=1", headers, Buffer.from("{}"))).toBe("hakobune");
    expect(errorType(() => verifier.verify("POST", "/?a=1", headers, Buffer.from("{}")))).toBe(
      "InvalidSignatureException",
    );
    expect(errorType(() => verifier.verify("POST", "/x?b=2&a=1", headers, Buffer.from("{}")))).toBe(
      "InvalidSignatureException",
    );
  });

  it("checks each request's own X-Amz-Date, not the last one seen", async () => {
    const now = Date.now();
    const fresh = await signedRequest("{}", credentials.secretAccessKey, new Date(now));
    const stale = await signedRequest("{}", credentials.secretAccessKey, new Date(now - 20 * 60 * 1000));
    expect(verifier.verify("POST", "/", fresh, Buffer.from("{}"), now)).toBe("hakobune");
    expect(errorType(() => verifier.verify("POST", "/", stale, Buffer.from("{}"), now))).toBe(
      "InvalidSignatureException",
    );
    expect(verifier.verify("POST", "/", fresh, Buffer.from("{}"), now)).toBe("hakobune");
    const malformed = { ...fresh, "x-amz-date": "not-a-date" };
    expect(errorType(() => verifier.verify("POST", "/", malformed, Buffer.from("{}"), now))).toBe(
      "IncompleteSignatureException",
    );
    expect(verifier.verify("POST", "/", fresh, Buffer.from("{}"), now)).toBe("hakobune");
  });

  it("rejects a request signed outside the allowed clock skew", async () => {
    const headers = await signedRequest(
      "{}",
      credentials.secretAccessKey,
      new Date(Date.now() - 20 * 60 * 1000),
    );
    expect(errorType(() => verifier.verify("POST", "/", headers, Buffer.from("{}")))).toBe(
      "InvalidSignatureException",
    );
  });

  it("checks every request's own signature when the rest of its Authorization header was seen before", async () => {
    const fresh = new SignatureVerifier([credentials]);
    const headers = await signedRequest("{}");
    expect(fresh.verify("POST", "/", headers, Buffer.from("{}"))).toBe("hakobune");
    const authorization = headers.authorization as string;
    const signature = authorization.slice(authorization.lastIndexOf("=") + 1);
    const flipped = `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`;
    const withSignature = (text: string) => ({
      ...headers,
      authorization: `${authorization.slice(0, -signature.length)}${text}`,
    });
    expect(errorType(() => fresh.verify("POST", "/", withSignature(flipped), Buffer.from("{}")))).toBe(
      "InvalidSignatureException",
    );
    expect(errorType(() => fresh.verify("POST", "/", withSignature(""), Buffer.from("{}")))).toBe(
      "IncompleteSignatureException",
    );
    expect(errorType(() => fresh.verify("POST", "/", withSignature(" "), Buffer.from("{}")))).toBe(
      "IncompleteSignatureException",
    );
    expect(
      errorType(() => fresh.verify("POST", "/", withSignature(`${signature}, x=y`), Buffer.from("{}"))),
    ).toBeUndefined();
    expect(errorType(() => fresh.verify("POST", "/", headers, Buffer.from('{"a":1}')))).toBe(
      "InvalidSignatureException",
    );
    expect(fresh.verify("POST", "/", headers, Buffer.from("{}"))).toBe("hakobune");
  });

  it("reads the signature as hex of exactly 32 bytes, in either case", async () => {
    const fresh = new SignatureVerifier([credentials]);
    const headers = await signedRequest("{}");
    const authorization = headers.authorization as string;
    const signature = authorization.slice(authorization.lastIndexOf("=") + 1);
    const withSignature = (text: string) => ({
      ...headers,
      authorization: `${authorization.slice(0, -signature.length)}${text}`,
    });
    const verify = (text: string) =>
      errorType(() => fresh.verify("POST", "/", withSignature(text), Buffer.from("{}")));
    expect(verify(signature.toUpperCase())).toBeUndefined();
    expect(verify(`${signature}00`)).toBe("InvalidSignatureException");
    expect(verify(signature.slice(0, -2))).toBe("InvalidSignatureException");
    expect(verify(`${signature.slice(0, -2)}zz`)).toBe("InvalidSignatureException");
    expect(verify("not hex at all")).toBe("InvalidSignatureException");
    expect(verify(signature)).toBeUndefined();
  });

  it("parses headers with the signature elsewhere than last, and headers of many clients", async () => {
    const fresh = new SignatureVerifier([credentials]);
    const headers = await signedRequest("{}");
    const [head, ...parameters] = (headers.authorization as string).split(", ");
    const reordered = `${head?.split(" ")[0]} ${[parameters[1], (head as string).split(" ")[1], parameters[0]].join(", ")}`;
    expect(reordered).toMatch(/^AWS4-HMAC-SHA256 Signature=/);
    expect(fresh.verify("POST", "/", { ...headers, authorization: reordered }, Buffer.from("{}"))).toBe(
      "hakobune",
    );
    for (let client = 0; client <= maxCachedAuthorizations; client++) {
      const signed = await signedRequest("{}", credentials.secretAccessKey, new Date(), {
        headers: { [`x-client-${client}`]: "1" },
      });
      expect(fresh.verify("POST", "/", signed, Buffer.from("{}"))).toBe("hakobune");
    }
    expect(fresh.verify("POST", "/", headers, Buffer.from("{}"))).toBe("hakobune");
  });
});
