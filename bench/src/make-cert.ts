import { makeSelfSignedCert } from '../../scripts/test/self-signed-cert.js'

/**
 * A self-signed Ed25519 certificate for localhost and 127.0.0.1 (the TLS systems pin it), made
 * with openssl in a fresh temporary folder: returns the folder (key.pem, cert.pem).
 */
export function makeCert(prefix = 'kp-bench-'): string {
  return makeSelfSignedCert({ prefix }).dir
}
