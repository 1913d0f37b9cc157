/**
 * Calls pantry with the session's access token. A 401 `invalid_token` (the token expired or was revoked
 * early) gets one refresh and one retry; any other refusal becomes a `PantryRequestError` carrying
 * pantry's error code.
 */
import type { Session } from "../auth/session.js";
import { PantryRequestError, UnreachableError } from "../errors.js";

/** Time one request to pantry may take, in milliseconds. */
export const pantryRequestTimeoutMs = 15_000;
/** Largest response read from pantry, in bytes. */
export const maxPantryResponseBytes = 4 * 1024 * 1024;

export class PantryClient {
  readonly #baseUrl: string;
  readonly #session: Session;

  constructor(baseUrl: string, session: Session) {
    this.#baseUrl = baseUrl;
    this.#session = session;
  }

  /** The parsed JSON answer, or undefined for 204. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response = await this.#send(method, path, body, await this.#session.accessToken());
    if (
      response.status === 401 &&
      (response.headers.get("www-authenticate") ?? "").includes("invalid_token")
    ) {
      await response.body?.cancel();
      const refreshed = await this.#session.refresh();
      response = await this.#send(method, path, body, refreshed.accessToken);
    }
    const text = await response.text();
    if (text.length > maxPantryResponseBytes)
      throw new PantryRequestError(response.status, "TOO_LARGE", "answer too large");
    const parsed = text === "" ? undefined : (JSON.parse(text) as unknown);
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new PantryRequestError(
        response.status,
        error?.code ?? "UNKNOWN",
        error?.message ?? response.statusText,
      );
    }
    return parsed as T;
  }

  async #send(method: string, path: string, body: unknown, accessToken: string): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${accessToken}`,
      accept: "application/json",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      return await fetch(`${this.#baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(pantryRequestTimeoutMs),
      });
    } catch (error) {
      throw new UnreachableError("pantry", this.#baseUrl, { cause: error });
    }
  }
}
