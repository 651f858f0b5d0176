/**
 * OpenStack credentials that frost cannot use: no clouds.yaml, a cloud not in it, a field missing,
 * an authentication method frost does not speak. Raised before anything is sent; the message says
 * which file or variables, which cloud, and what to change (and never holds a secret).
 */
export class CredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CredentialsError";
  }
}
