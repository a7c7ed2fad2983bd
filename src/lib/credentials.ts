import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Payment-integration credentials at rest (docs/reference/data-model.md): AES-256-GCM with a
 * random 96-bit IV per encryption, the key id stored beside the ciphertext so
 * keys can be rotated, and the row's identity bound as additional
 * authenticated data so a ciphertext copied to another row fails to decrypt.
 * The plaintext is never returned by the API and never logged.
 */
export interface CredentialKey {
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export interface SealedCredential {
  /** `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
  ciphertext: string;
  keyId: string;
  last4: string;
}

const IV_BYTES = 12;

export function sealCredential(plaintext: string, key: CredentialKey, aad: string): SealedCredential {
  if (key.key.length !== 32) throw new RangeError('credential key must be 32 bytes');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return {
    ciphertext: ['v1', iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join(
      '.',
    ),
    keyId: key.id,
    // Characters, not UTF-16 units: a split surrogate pair would not survive the column.
    last4: [...plaintext].slice(-4).join(''),
  };
}

export function openCredential(
  sealed: Pick<SealedCredential, 'ciphertext' | 'keyId'>,
  keys: CredentialKey[],
  aad: string,
): string {
  const key = keys.find((k) => k.id === sealed.keyId);
  if (!key) throw new Error(`credential key ${sealed.keyId} is not configured`);
  const [version, iv, tag, ct] = sealed.ciphertext.split('.');
  if (version !== 'v1' || !iv || !tag || ct === undefined) throw new Error('unknown credential format');
  const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
}

/** The only form in which a credential ever leaves the service. */
export const maskCredential = (last4: string): string => `••••${last4}`;
