import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A self-signed Ed25519 certificate for localhost and 127.0.0.1 (the TLS systems pin it), made
 * with openssl in a fresh temporary folder: returns the folder (key.pem, cert.pem).
 */
export function makeCert(prefix = 'kp-bench-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ed25519',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  )
  return dir
}
