/**
 * The revocation events the authorization server publishes (`GET /events/revocations`, Server-Sent
 * Events with a JSON `data` line): a token revoked (`jti`), a grant revoked (`grantId`), or every token
 * of a subject (`sub`, after "log out everywhere" or a password change). Tokens matching an event and
 * issued at or before its `revokedAt` must be refused.
 */

export type RevocationKind = "token" | "grant" | "subject";

export interface RevocationEvent {
  kind: RevocationKind;
  /** Epoch seconds; tokens matching the event and issued at or before it are revoked. */
  revokedAt: number;
  jti?: string | undefined;
  grantId?: string | undefined;
  sub?: string | undefined;
}

const kinds = new Set<string>(["token", "grant", "subject"]);

/**
 * The event in an SSE `data` field, or `undefined` when it is not a revocation event we can act on
 * (not JSON, an unknown kind, or a kind without the field that identifies what it revokes).
 */
export function parseRevocationEvent(data: string, nowMs = Date.now()): RevocationEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const fields = value as Record<string, unknown>;
  if (typeof fields.kind !== "string" || !kinds.has(fields.kind)) return undefined;
  const event: RevocationEvent = {
    kind: fields.kind as RevocationKind,
    revokedAt: typeof fields.revokedAt === "number" ? fields.revokedAt : Math.ceil(nowMs / 1000),
    jti: nonEmptyString(fields.jti),
    grantId: nonEmptyString(fields.grantId),
    sub: nonEmptyString(fields.sub),
  };
  const identified =
    (event.kind === "token" && event.jti !== undefined) ||
    (event.kind === "grant" && event.grantId !== undefined) ||
    (event.kind === "subject" && event.sub !== undefined);
  return identified ? event : undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}
