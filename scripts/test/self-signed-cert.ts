// A throwaway self-signed certificate for localhost and 127.0.0.1, made with openssl, for the
// tests and benchmarks that need a TLS server (the TLS bench systems, nats-server with TLS, the
// browser bench's wss://).
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Where {@link makeSelfSignedCert} wrote the key and the certificate (PEM). */
export interface SelfSignedCert {
  /** The fresh temporary folder holding both files (remove it when done). */
  dir: string
  keyFile: string
  certFile: string
}

/**
 * Makes a key and a self-signed certificate (subject CN=localhost, alternative names
 * DNS:localhost and IP:127.0.0.1) in a fresh temporary folder named `prefix`…. `key`: Ed25519,
 * or ECDSA P-256 where the other end cannot take Ed25519 (browsers, some TLS stacks).
 */
export function makeSelfSignedCert(options: { prefix?: string; key?: 'ed25519' | 'p256'; days?: number } = {}): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'kp-cert-'))
  const keyFile = join(dir, 'key.pem')
  const certFile = join(dir, 'cert.pem')
  const keyArgs = (options.key ?? 'ed25519') === 'ed25519' ? ['-newkey', 'ed25519'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...keyArgs,
      '-nodes',
      '-days',
      String(options.days ?? 2),
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  )
  return { dir, keyFile, certFile }
}
