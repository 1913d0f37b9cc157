/**
 * Health probes: one `GET` of a service's health endpoint, bounded by a timeout. A 2xx answer is
 * healthy; any other status, a refused connection or a timeout is not.
 */

/** How long one probe waits for an answer by default. */
export const DEFAULT_PROBE_TIMEOUT_MS = 1_000;

export async function probeHealth(url: string, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    // Drain the body so the connection is released rather than left for the garbage collector.
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}
