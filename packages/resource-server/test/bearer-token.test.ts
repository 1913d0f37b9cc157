import { describe, expect, it } from "vitest";
import {
  bearerChallenge,
  bearerTokenOf,
  InsufficientScopeError,
  InvalidTokenError,
  MalformedRequestError,
  MissingTokenError,
} from "../src/index.js";

describe("bearerTokenOf", () => {
  it("reads the token of a Bearer header, whatever the scheme's case", () => {
    expect(bearerTokenOf("Bearer abc.DEF-_~+/=")).toBe("abc.DEF-_~+/=");
    expect(bearerTokenOf("bearer abc")).toBe("abc");
  });

  it("refuses a missing header as a missing token", () => {
    expect(() => bearerTokenOf(undefined)).toThrow(MissingTokenError);
    expect(() => bearerTokenOf("")).toThrow(MissingTokenError);
  });

  it.each([["Basic dXNlcjpwYXNz"], ["Bearer"], ["Bearer "], ["Bearer a b"], ['Bearer a"b'], ["Bearertoken"]])(
    "refuses %j as a malformed request",
    (header) => {
      expect(() => bearerTokenOf(header)).toThrow(MalformedRequestError);
    },
  );

  it("refuses two Authorization headers", () => {
    expect(() => bearerTokenOf(["Bearer a", "Bearer b"])).toThrow(MalformedRequestError);
  });

  it("refuses a token longer than the bound as an invalid token", () => {
    expect(() => bearerTokenOf(`Bearer ${"a".repeat(101)}`, 100)).toThrow(InvalidTokenError);
    expect(bearerTokenOf(`Bearer ${"a".repeat(100)}`, 100)).toHaveLength(100);
  });
});

describe("bearerChallenge", () => {
  it("names only the realm when no token was sent", () => {
    expect(bearerChallenge("urn:r", new MissingTokenError())).toBe('Bearer realm="urn:r"');
  });

  it("names the error and its description for a refused token", () => {
    expect(bearerChallenge("urn:r", new InvalidTokenError("expired", "The access token has expired."))).toBe(
      'Bearer realm="urn:r", error="invalid_token", error_description="The access token has expired."',
    );
  });

  it("names the scope a route needs", () => {
    expect(bearerChallenge("urn:r", new InsufficientScopeError(["a:read", "a:write"]))).toContain(
      'error="insufficient_scope", error_description="This request needs the scopes a:read a:write.", scope="a:read a:write"',
    );
  });

  it("leaves out characters a quoted value may not hold", () => {
    expect(bearerChallenge('a"b\\c\n', new InvalidTokenError("claims", 'bad "x"'))).toBe(
      'Bearer realm="abc", error="invalid_token", error_description="bad x"',
    );
  });
});
