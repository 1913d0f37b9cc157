/** What each scope lets an app do, in words, for the consent page. */
import type { ResourceDefinition } from "../config/clients-file.js";

/** The OpenID Connect scopes the provider supports and what each one shares. */
export const openIdScopes: Record<string, string> = {
  openid: "Know who you are (your account identifier)",
  profile: "See your name",
  email: "See your email address",
  offline_access: "Keep this access when you are not using the app",
};

/** The claims each OpenID Connect scope releases. */
export const openIdClaims = {
  openid: ["sub"],
  profile: ["name"],
  email: ["email", "email_verified"],
};

export function describeScopes(
  oidcScopes: readonly string[],
  resourceScopes: Readonly<Record<string, readonly string[]>>,
  resources: readonly ResourceDefinition[],
): string[] {
  const lines = oidcScopes.map((scope) => openIdScopes[scope] ?? `Use the "${scope}" permission`);
  for (const [identifier, scopes] of Object.entries(resourceScopes)) {
    const resource = resources.find((candidate) => candidate.identifier === identifier);
    for (const scope of scopes) {
      const words = resource?.scopes[scope] ?? `Use the "${scope}" permission`;
      lines.push(resource ? `${words} (in ${resource.name})` : words);
    }
  }
  return lines;
}
