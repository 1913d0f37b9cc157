/**
 * The frame every auth-center page shares: plain, accessible HTML that works without JavaScript (labels
 * bound to inputs, errors announced with role="alert", one <main>, a meaningful <title>), styled by one
 * same-origin stylesheet so that the Content-Security-Policy can forbid everything else.
 */

const escapes: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text made safe for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (character) => escapes[character] ?? character);
}

/** A fragment of markup that has already been escaped. */
export interface Html {
  readonly html: string;
}

/** Tagged template: interpolated values are escaped unless they are `Html` (or lists of `Html`). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? "");
  });
  return { html: out };
}

function render(value: unknown): string {
  if (Array.isArray(value)) return value.map(render).join("");
  if (value && typeof value === "object" && "html" in value) return String((value as Html).html);
  if (value === undefined || value === null || value === false) return "";
  return escapeHtml(value);
}

export const stylesheetPath = "/assets/auth.css";

export const stylesheet = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; padding: 2rem 1rem; }
main { max-width: 26rem; margin: 0 auto; }
h1 { font-size: 1.5rem; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input[type=email], input[type=password], input[type=text] { display: block; width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
button { margin-top: 1.25rem; padding: .6rem 1.2rem; font-size: 1rem; cursor: pointer; }
.actions { display: flex; gap: .75rem; flex-wrap: wrap; }
.error { border-left: .3rem solid #b00020; padding: .5rem .75rem; background: #b0002014; }
.hint { font-size: .9rem; opacity: .8; }
`;

/** A whole page. `title` names the page for the window and for screen readers. */
export function page(title: string, body: Html): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Hakobune</title>
<link rel="stylesheet" href="${stylesheetPath}">
</head>
<body>
<main>
${body.html}
</main>
</body>
</html>
`;
}

/** An error message announced to screen readers, or nothing. */
export function errorMessage(message: string | undefined): Html {
  return message ? html`<p class="error" role="alert">${message}</p>` : html``;
}

/** The hidden CSRF field every form carries. */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}
