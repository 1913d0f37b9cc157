/**
 * The loopback redirect of RFC 8252 §7.3: a one-shot HTTP listener on 127.0.0.1, on a port the system
 * picks, that waits for the browser to come back to `/callback` with the authorization response. The
 * browser is answered only once the caller has dealt with the response, so the page can say how it went.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { LoginFailedError } from "../errors.js";

export const callbackPath = "/callback";

export interface LoopbackRedirect {
  /** `http://127.0.0.1:<port>/callback`. */
  redirectUri: string;
  /**
   * Waits for the authorization response and hands its URL to `handle`; the browser then sees a page
   * saying whether it worked. Rejects with `LoginFailedError` after `timeoutMs`.
   */
  receive<T>(handle: (callbackUrl: URL) => Promise<T>, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

export async function openLoopbackRedirect(): Promise<LoopbackRedirect> {
  let onCallback: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    if (request.method !== "GET" || url.pathname !== callbackPath || onCallback === undefined) {
      response.writeHead(404, { "content-type": "text/plain" }).end("Not found.\n");
      return;
    }
    const handler = onCallback;
    // One authorization response per login: a second request (a reload) finds nothing waiting.
    onCallback = undefined;
    handler(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  const redirectUri = `http://127.0.0.1:${port}${callbackPath}`;

  return {
    redirectUri,
    receive<T>(handle: (callbackUrl: URL) => Promise<T>, timeoutMs: number) {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          onCallback = undefined;
          reject(
            new LoginFailedError(`No answer from the browser within ${Math.round(timeoutMs / 1000)} s.`),
          );
        }, timeoutMs);
        onCallback = (request, response) => {
          clearTimeout(timer);
          const callbackUrl = new URL(request.url ?? "/", redirectUri);
          handle(callbackUrl).then(
            (value) => {
              respond(response, 200, "Signed in", "You are signed in to Recipe App. You can close this tab.");
              resolve(value);
            },
            (error: unknown) => {
              respond(response, 400, "Sign-in failed", "Recipe App could not sign you in; see the terminal.");
              reject(error);
            },
          );
        };
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function respond(response: ServerResponse, status: number, title: string, sentence: string): void {
  response
    .writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": "default-src 'none'",
      "referrer-policy": "no-referrer",
    })
    .end(`<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p>${sentence}</p>\n`);
}
