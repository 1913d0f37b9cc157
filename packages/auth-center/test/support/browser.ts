/**
 * A browser stand-in for driving the sign-in pages over HTTP: fetch with a cookie jar, following
 * redirects by hand so that the test sees where the browser would be sent, and stopping at the first
 * redirect that leaves the auth-center (the app's redirect URI).
 */
export interface PageResponse {
  status: number;
  url: string;
  body: string;
  headers: Headers;
}

interface Cookie {
  value: string;
  path: string;
}

/** Most redirects one navigation follows. */
const maxRedirects = 10;

export class Browser {
  readonly #cookies = new Map<string, Cookie>();
  readonly #origin: string;

  /** `origin`: the auth-center's origin; redirects elsewhere end a navigation. */
  constructor(origin: string) {
    this.#origin = new URL(origin).origin;
  }

  /** GET `url` and follow redirects within the auth-center. */
  get(url: string | URL): Promise<PageResponse> {
    return this.#navigate(String(url), { method: "GET" });
  }

  /** Submit a form (application/x-www-form-urlencoded) and follow redirects. */
  post(url: string | URL, fields: Record<string, string>): Promise<PageResponse> {
    return this.#navigate(new URL(String(url), this.#origin).href, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Forget one cookie, as if it had expired. */
  dropCookie(name: string) {
    this.#cookies.delete(name);
  }

  cookie(name: string): string | undefined {
    return this.#cookies.get(name)?.value;
  }

  async #navigate(url: string, init: RequestInit): Promise<PageResponse> {
    let current = url;
    let request = init;
    for (let hop = 0; hop <= maxRedirects; hop++) {
      const target = new URL(current, this.#origin);
      if (target.origin !== this.#origin) {
        return { status: 0, url: target.href, body: "", headers: new Headers() };
      }
      const response = await fetch(target, {
        ...request,
        redirect: "manual",
        headers: {
          ...(request.headers as Record<string, string>),
          cookie: this.#cookieHeader(target.pathname),
        },
      });
      this.#store(response.headers.getSetCookie());
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, target).href;
        request = { method: "GET" };
        await response.arrayBuffer();
        continue;
      }
      return {
        status: response.status,
        url: target.href,
        body: await response.text(),
        headers: response.headers,
      };
    }
    throw new Error(`more than ${maxRedirects} redirects from ${url}`);
  }

  #cookieHeader(path: string): string {
    return [...this.#cookies.entries()]
      .filter(([, cookie]) => path.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join("; ");
  }

  #store(setCookies: string[]) {
    for (const header of setCookies) {
      const [pair = "", ...attributes] = header.split(";").map((part) => part.trim());
      const at = pair.indexOf("=");
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      const attribute = (key: string) =>
        attributes.find((part) => part.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const expires = attribute("expires");
      const maxAge = attribute("max-age");
      if ((expires && Date.parse(expires) <= Date.now()) || maxAge === "0" || value === "") {
        this.#cookies.delete(name);
      } else {
        this.#cookies.set(name, { value, path: attribute("path") ?? "/" });
      }
    }
  }
}

/** The value of the hidden CSRF field of the first form on the page. */
export function csrfTokenOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no CSRF field in the page:\n${html}`);
  return match[1];
}

/** The `action` of the form whose action ends with `suffix`. */
export function formAction(html: string, suffix: string): string {
  for (const match of html.matchAll(/<form method="post" action="([^"]+)"/g)) {
    if (match[1]?.endsWith(suffix)) return match[1];
  }
  throw new Error(`no form posting to …${suffix} in the page:\n${html}`);
}
