/** The auth-center's small pure pieces, on bad input as much as good. */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseClientsFile, readClientsFile } from "../src/index.js";
import { CsrfTokens } from "../src/interactions/csrf.js";
import { escapeHtml, html } from "../src/interactions/html.js";
import { StructuredTokenHandles } from "../src/store/structured-token-handles.js";

describe("structured token handles", () => {
  const handles = new StructuredTokenHandles(randomBytes(32));

  it("name the jti they were minted for, and nothing else", () => {
    const handle = handles.handleFor("abc_-123");
    expect(handles.jtiOf(handle)).toBe("abc_-123");
    expect(handles.jtiOf("abc_-123")).toBeUndefined();
    expect(handles.jtiOf(`other.${handle.split(".")[1]}`)).toBeUndefined();
    expect(handles.jtiOf(`${handle}x`)).toBeUndefined();
    expect(handles.jtiOf(".")).toBeUndefined();
    expect(new StructuredTokenHandles(randomBytes(32)).jtiOf(handle)).toBeUndefined();
  });

  it("refuse a short key", () => {
    expect(() => new StructuredTokenHandles(randomBytes(16))).toThrow(RangeError);
  });
});

describe("CSRF tokens", () => {
  const csrf = new CsrfTokens(randomBytes(32));

  it("accept only the token of the cookie's value", () => {
    const cookie = csrf.newCookieValue();
    expect(csrf.isValid(cookie, csrf.tokenFor(cookie))).toBe(true);
    expect(csrf.isValid(cookie, csrf.tokenFor(csrf.newCookieValue()))).toBe(false);
    expect(csrf.isValid(undefined, csrf.tokenFor(cookie))).toBe(false);
    expect(csrf.isValid(cookie, undefined)).toBe(false);
    expect(csrf.isValid(cookie, "")).toBe(false);
    expect(csrf.isValid(cookie, ["array"])).toBe(false);
  });
});

describe("HTML", () => {
  it("escapes interpolated values", () => {
    expect(html`<p>${'<script>"x"&'}</p>`.html).toBe("<p>&lt;script&gt;&quot;x&quot;&amp;</p>");
    expect(escapeHtml("it's")).toBe("it&#39;s");
    expect(html`<ul>${["<a>", html`<b>`]}</ul>`.html).toBe("<ul>&lt;a&gt;<b></ul>");
  });
});

describe("clients file", () => {
  it("reads the platform's demo clients", async () => {
    const file = await readClientsFile(
      new URL("../../../platform/auth-center/clients.json", import.meta.url).pathname,
    );
    expect(file.clients.map((client) => client.client_id)).toEqual(
      expect.arrayContaining(["recipe-app", "console", "pantry", "recipe-importer"]),
    );
    expect(file.resources[0]?.identifier).toBe("urn:hakobune:pantry");
  });

  it("rejects malformed declarations with a sentence naming the problem", () => {
    expect(() => parseClientsFile([])).toThrow(/must hold an object/);
    expect(() => parseClientsFile({ clients: [{}] })).toThrow(/client_id/);
    expect(() => parseClientsFile({ clients: [{ client_id: "a" }, { client_id: "a" }] })).toThrow(
      /declared twice/,
    );
    expect(() =>
      parseClientsFile({ resources: [{ identifier: "not a uri", name: "x", scopes: {} }] }),
    ).toThrow(/absolute URI/);
    expect(() =>
      parseClientsFile({ resources: [{ identifier: "urn:x", name: "x", scopes: { "a b": "no" } }] }),
    ).toThrow(/invalid scope/);
  });

  it("reports an unreadable file", async () => {
    await expect(readClientsFile("/nonexistent/clients.json")).rejects.toMatchObject({
      code: "AUTH_CLIENTS_FILE_INVALID",
    });
  });
});
