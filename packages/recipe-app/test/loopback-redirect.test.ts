import { describe, expect, it } from "vitest";
import { openLoopbackRedirect } from "../src/auth/loopback-redirect.js";
import { LoginFailedError } from "../src/errors.js";

describe("the loopback redirect", () => {
  it("listens on 127.0.0.1 and hands over the first authorization response, once", async () => {
    const redirect = await openLoopbackRedirect();
    try {
      expect(redirect.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
      const received = redirect.receive(async (url) => url.searchParams.get("code"), 10_000);
      expect((await fetch(`${redirect.redirectUri.replace("/callback", "/elsewhere")}`)).status).toBe(404);
      const answer = await fetch(`${redirect.redirectUri}?code=abc&state=xyz`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(await received).toBe("abc");
      expect((await fetch(`${redirect.redirectUri}?code=again`)).status).toBe(404);
    } finally {
      await redirect.close();
    }
  });

  it("shows the browser a failure page when the response is refused", async () => {
    const redirect = await openLoopbackRedirect();
    try {
      const received = redirect.receive(async () => {
        throw new LoginFailedError("state mismatch");
      }, 10_000);
      received.catch(() => {});
      const answer = await fetch(`${redirect.redirectUri}?code=abc&state=forged`);
      expect(answer.status).toBe(400);
      await expect(received).rejects.toThrow("state mismatch");
    } finally {
      await redirect.close();
    }
  });

  it("gives up when the browser never comes back", async () => {
    const redirect = await openLoopbackRedirect();
    try {
      await expect(redirect.receive(async () => "never", 1)).rejects.toThrow(LoginFailedError);
    } finally {
      await redirect.close();
    }
  });
});
