export const serviceKitVersion = "0.1.0";
