/**
 * The resource server's Prometheus metrics, registered on the registry the service passes in (a
 * service-kit registry labels every series with `service`).
 */
import { Counter, Gauge, type Registry } from "prom-client";

/** Outcome of one verification at the verifier (cache hits are not verifications). */
export type VerificationResult = "valid" | "invalid" | "revoked" | "unavailable";

export interface VerificationMetrics {
  verifications: Counter<"mode" | "result">;
  cacheLookups: Counter<"result">;
  revocationsApplied: Counter<"kind">;
  cacheEntries: Gauge;
  revocationStreamConnected: Gauge;
}

export function createVerificationMetrics(registry: Registry, cacheSize: () => number): VerificationMetrics {
  return {
    verifications: new Counter({
      name: "resource_token_verifications_total",
      help: "Access tokens verified at the verifier (not answered from the cache), by mode and result.",
      labelNames: ["mode", "result"],
      registers: [registry],
    }),
    cacheLookups: new Counter({
      name: "resource_verification_cache_total",
      help: "Verification cache lookups, by result (hit or miss).",
      labelNames: ["result"],
      registers: [registry],
    }),
    revocationsApplied: new Counter({
      name: "resource_revocations_applied_total",
      help: "Revocation events received from the authorization server and applied, by kind.",
      labelNames: ["kind"],
      registers: [registry],
    }),
    cacheEntries: new Gauge({
      name: "resource_verification_cache_entries",
      help: "Verified tokens held in the verification cache.",
      registers: [registry],
      collect() {
        this.set(cacheSize());
      },
    }),
    revocationStreamConnected: new Gauge({
      name: "resource_revocation_stream_connected",
      help: "1 while revocation events are being received from the authorization server, else 0.",
      registers: [registry],
    }),
  };
}
