/**
 * Password hashing with argon2id (@node-rs/argon2), the OWASP Password Storage Cheat
 * Sheet's first choice. Parameters are the library defaults (19 MiB, 2 passes, 1 lane),
 * which match OWASP's minimum recommendation for argon2id.
 */
import { hash, verify, type Algorithm } from '@node-rs/argon2';

/** `Algorithm.Argon2id`; the package ships it as a const enum, which isolated modules cannot inline. */
const ARGON2ID = 2 as Algorithm;

/** Hashes a password into a PHC string (`$argon2id$v=19$...`). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

/** True when `password` matches the PHC hash; false for a wrong password or a malformed hash. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * A hash of a random secret with the same parameters as real ones. Login verifies against
 * it when the email is unknown, so an unknown email costs the same time as a wrong
 * password and response timing does not reveal which accounts exist.
 */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(crypto.randomUUID());
  return dummy;
}
