/**
 * The demo account `hakobune up` creates so that the recipe-app and the console can be tried at once.
 * The password is fixed and public: it exists only for local demos.
 */
import type { AccountStore } from "../accounts/account-store.js";
import { AccountExistsError } from "../errors.js";

export const demoAccount = {
  email: "demo@hakobune.local",
  password: "hakobune-demo-password",
  name: "Demo Cook",
} as const;

/** Creates the demo account unless it exists; returns whether it was created. */
export async function seedDemoAccount(accounts: AccountStore): Promise<boolean> {
  if (await accounts.findByEmail(demoAccount.email)) return false;
  try {
    await accounts.create(demoAccount);
    return true;
  } catch (error) {
    // Another instance seeded it between our check and our write.
    if (error instanceof AccountExistsError) return false;
    throw error;
  }
}
