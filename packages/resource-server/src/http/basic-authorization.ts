/** The `Authorization: Basic …` value a confidential client authenticates with (`client_secret_basic`). */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  // RFC 6749 §2.3.1: the id and the secret are form-encoded before they are joined and base64-encoded.
  const credentials = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
  return `Basic ${Buffer.from(credentials).toString("base64")}`;
}

function formEncode(value: string): string {
  return new URLSearchParams({ value }).toString().slice("value=".length);
}
