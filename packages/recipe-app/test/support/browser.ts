/**
 * A browser stand-in driving auth-center's pages over HTTP: fetch with a cookie jar, following redirects
 * by hand and stopping at the first one that leaves auth-center — the app's loopback redirect URI.
 */

export interface Page {
  /** 0 when the navigation left auth-center; then `url` is where the browser was sent. */
  status: number;
  url: string;
  body: string;
}

/** Most redirects one navigation follows. */
const maxRedirects = 10;

export class Browser {
  readonly #cookies = new Map<string, string>();
  readonly #origin: string;

  constructor(authCenterUrl: string) {
    this.#origin = new URL(authCenterUrl).origin;
  }

  get(url: string): Promise<Page> {
    return this.#navigate(url, { method: "GET" });
  }

  post(url: string, fields: Record<string, string>): Promise<Page> {
    return this.#navigate(new URL(url, this.#origin).href, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async #navigate(url: string, init: RequestInit): Promise<Page> {
    let target = new URL(url, this.#origin);
    let request = init;
    for (let hop = 0; hop <= maxRedirects; hop++) {
      if (target.origin !== this.#origin) return { status: 0, url: target.href, body: "" };
      const response = await fetch(target, {
        ...request,
        redirect: "manual",
        headers: { ...(request.headers as Record<string, string>), cookie: this.#cookieHeader() },
      });
      this.#keep(response.headers.getSetCookie());
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.arrayBuffer();
        target = new URL(location, target);
        request = { method: "GET" };
        continue;
      }
      return { status: response.status, url: target.href, body: await response.text() };
    }
    throw new Error(`more than ${maxRedirects} redirects from ${url}`);
  }

  #cookieHeader(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  #keep(setCookies: string[]): void {
    for (const header of setCookies) {
      const [pair = ""] = header.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === "" || /max-age=0/i.test(header)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

/** The hidden CSRF field of the page's form. */
export function csrfTokenOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no CSRF field in the page:\n${html}`);
  return match[1];
}

/** The `action` of the page's form posting to a path ending in `suffix`. */
export function formAction(html: string, suffix: string): string {
  for (const match of html.matchAll(/<form method="post" action="([^"]+)"/g)) {
    if (match[1]?.endsWith(suffix)) return match[1].replaceAll("&amp;", "&");
  }
  throw new Error(`no form posting to …${suffix} in the page:\n${html}`);
}
