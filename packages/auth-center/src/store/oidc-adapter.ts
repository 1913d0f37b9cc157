/**
 * The oidc-provider adapter: one instance per model name, all writing to the auth-center's table
 * through `OidcRecordStore`. Signed (JWT) access tokens are recorded under their `jti` as "structured"
 * records and can be found only through a handle the auth-center minted (see StructuredTokenHandles); a
 * bare `jti` never finds them, so it is never usable as a bearer credential.
 */
import type { Adapter, AdapterConstructor, AdapterPayload } from "oidc-provider";
import type { OidcRecordStore } from "./oidc-record-store.js";
import type { StructuredTokenHandles } from "./structured-token-handles.js";

/** Models whose JWT-format tokens are recorded for introspection and revocation. */
export const structuredTokenModels = new Set(["AccessToken", "ClientCredentials"]);

export function createAdapterClass(
  store: OidcRecordStore,
  handles: StructuredTokenHandles,
): AdapterConstructor {
  return class StorageAdapter implements Adapter {
    readonly #model: string;

    constructor(modelName: string) {
      this.#model = modelName;
    }

    upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined) {
      return store.upsert(this.#model, id, payload, expiresIn);
    }

    find(id: string) {
      if (structuredTokenModels.has(this.#model)) {
        const jti = handles.jtiOf(id);
        if (jti !== undefined) return store.find(this.#model, jti, { structured: true });
      }
      return store.find(this.#model, id);
    }

    findByUid(uid: string) {
      return store.findByUid(this.#model, uid);
    }

    findByUserCode(userCode: string) {
      return store.findByUserCode(this.#model, userCode);
    }

    consume(id: string) {
      return store.consume(this.#model, id);
    }

    destroy(id: string) {
      return store.destroy(this.#model, id);
    }

    revokeByGrantId(grantId: string) {
      return store.revokeByGrantId(this.#model, grantId);
    }
  };
}
