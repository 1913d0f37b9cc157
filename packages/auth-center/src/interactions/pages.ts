/** The auth-center's pages: sign in, sign up, consent, sign out, account, and errors. */
import {
  maxEmailLength,
  maxNameLength,
  maxPasswordLength,
  minPasswordLength,
} from "../accounts/account-store.js";
import { csrfField, errorMessage, type Html, html, page } from "./html.js";

export interface LoginPageInput {
  uid: string;
  csrf: string;
  clientName: string;
  email?: string;
  error?: string;
}

export function loginPage({ uid, csrf, clientName, email, error }: LoginPageInput): string {
  return page(
    "Sign in",
    html`<h1>Sign in</h1>
<p>to continue to <strong>${clientName}</strong></p>
${errorMessage(error)}
<form method="post" action="/interaction/${uid}/login">
${csrfField(csrf)}
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="${maxEmailLength}" value="${email ?? ""}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="${maxPasswordLength}">
<div class="actions"><button type="submit">Sign in</button></div>
</form>
<form method="post" action="/interaction/${uid}/abort">
${csrfField(csrf)}
<div class="actions"><button type="submit">Cancel</button></div>
</form>
<p>New here? <a href="/interaction/${uid}/signup">Create an account</a>.</p>`,
  );
}

export interface SignupPageInput {
  uid: string;
  csrf: string;
  clientName: string;
  email?: string;
  name?: string;
  error?: string;
}

export function signupPage({ uid, csrf, clientName, email, name, error }: SignupPageInput): string {
  return page(
    "Create an account",
    html`<h1>Create an account</h1>
<p>for <strong>${clientName}</strong> and every other Hakobune app</p>
${errorMessage(error)}
<form method="post" action="/interaction/${uid}/signup">
${csrfField(csrf)}
<label for="name">Your name</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="${maxNameLength}" value="${name ?? ""}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="${maxEmailLength}" value="${email ?? ""}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${minPasswordLength}" maxlength="${maxPasswordLength}" aria-describedby="password-hint">
<p id="password-hint" class="hint">At least ${minPasswordLength} characters.</p>
<div class="actions"><button type="submit">Create account and sign in</button></div>
</form>
<p>Already have an account? <a href="/interaction/${uid}">Sign in</a>.</p>`,
  );
}

export interface ConsentPageInput {
  uid: string;
  csrf: string;
  clientName: string;
  accountEmail: string;
  /** What the app asks for, in words. */
  permissions: string[];
}

export function consentPage({ uid, csrf, clientName, accountEmail, permissions }: ConsentPageInput): string {
  return page(
    `Allow ${clientName}?`,
    html`<h1>Allow ${clientName}?</h1>
<p>You are signed in as <strong>${accountEmail}</strong>. <strong>${clientName}</strong> asks to:</p>
<ul>${permissions.map((permission) => html`<li>${permission}</li>`)}</ul>
<form method="post" action="/interaction/${uid}/consent">
${csrfField(csrf)}
<div class="actions">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`,
  );
}

/** The sign-out confirmation; `providerForm` is oidc-provider's hidden form (it carries its own xsrf). */
export function logoutPage(providerForm: string, clientName: string | undefined): string {
  const form: Html = { html: providerForm };
  return page(
    "Sign out",
    html`<h1>Sign out${clientName ? html` of ${clientName}` : html``}?</h1>
${form}
<div class="actions">
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>
</div>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(title, html`<h1>${title}</h1><p>${message}</p>`);
}

export function errorPage(title: string, details: { error?: string; description?: string }): string {
  return page(
    title,
    html`<h1>${title}</h1>
${errorMessage(details.description ?? "The request could not be completed.")}
${details.error ? html`<p class="hint">Error code: <code>${details.error}</code></p>` : html``}`,
  );
}

export interface AccountPageInput {
  csrf: string;
  error?: string;
  notice?: string;
}

export function accountPage({ csrf, error, notice }: AccountPageInput): string {
  return page(
    "Your account",
    html`<h1>Your account</h1>
${errorMessage(error)}
${notice ? html`<p role="status">${notice}</p>` : html``}
<h2>Change your password</h2>
<p class="hint">Changing your password signs you out everywhere and revokes every app's access.</p>
<form method="post" action="/account/password">
${csrfField(csrf)}
<label for="pw-email">Email address</label>
<input id="pw-email" name="email" type="email" autocomplete="username" required maxlength="${maxEmailLength}">
<label for="pw-current">Current password</label>
<input id="pw-current" name="password" type="password" autocomplete="current-password" required maxlength="${maxPasswordLength}">
<label for="pw-new">New password</label>
<input id="pw-new" name="newPassword" type="password" autocomplete="new-password" required minlength="${minPasswordLength}" maxlength="${maxPasswordLength}">
<div class="actions"><button type="submit">Change password</button></div>
</form>
<h2>Sign out everywhere</h2>
<p class="hint">Ends every session and revokes every app's access to your account.</p>
<form method="post" action="/account/sign-out-everywhere">
${csrfField(csrf)}
<label for="so-email">Email address</label>
<input id="so-email" name="email" type="email" autocomplete="username" required maxlength="${maxEmailLength}">
<label for="so-password">Password</label>
<input id="so-password" name="password" type="password" autocomplete="current-password" required maxlength="${maxPasswordLength}">
<div class="actions"><button type="submit">Sign out everywhere</button></div>
</form>`,
  );
}
