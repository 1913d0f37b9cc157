/** Polls `check` until it returns true, at most `attempts` times, `intervalMs` apart; throws if it never does. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  { attempts = 200, intervalMs = 25 } = {},
): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}
