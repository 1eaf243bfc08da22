import { hash, kdf, wipe } from '@kp/crypto'
import { L_C2S, L_C_HS, L_HS, L_MASTER, L_S2C, L_S_HS, L_TH1, L_TH2, L_TH3, L_TOKEN, L_RESUME, L_RESUME_PROOF } from '../protocol/labels.js'

/** Handshake keys derived after WELCOME (PROTOCOL.md 4.2). */
export interface HandshakeKeys {
  th1: Uint8Array
  kServerHs: Uint8Array
  kClientHs: Uint8Array
}

/** Session keys (PROTOCOL.md 4.4). */
export interface SessionKeys {
  th3: Uint8Array
  c2s: Uint8Array
  s2c: Uint8Array
  token: Uint8Array
  /** The resume key (PROTOCOL.md 15), when the client asked for resumption; else absent. */
  resume?: Uint8Array
}

/** FINISH flag bits (PROTOCOL.md 4.3, 15). */
export const FinishFlag = { Identity: 1, Reliable: 2, Resumable: 4, Resume: 8 } as const

/** 12 zero bytes: the nonce of the two handshake AEAD seals. */
export const ZERO_NONCE = new Uint8Array(12)

/** th1 = H("kp1-th1" ‖ HELLO ‖ e_s_pub); hs = KDF(dh, "kp1-hs" ‖ th1); k_s_hs, k_c_hs. */
export function handshakeKeys(hello: Uint8Array, serverEphemeralPub: Uint8Array, dh: Uint8Array): HandshakeKeys {
  const th1 = hash(L_TH1, hello, serverEphemeralPub)
  const hs = kdf(dh, L_HS, th1)
  const keys = { th1, kServerHs: kdf(hs, L_S_HS), kClientHs: kdf(hs, L_C_HS) }
  wipe(hs)
  return keys
}

/** th2 = H("kp1-th2" ‖ th1 ‖ WELCOME). */
export function transcript2(th1: Uint8Array, welcome: Uint8Array): Uint8Array {
  return hash(L_TH2, th1, welcome)
}

/** th3, master, k_c2s, k_s2c, token (and the resume key when asked for). Wipes `dh` and `master`. */
export function sessionKeys(th2: Uint8Array, finish: Uint8Array, dh: Uint8Array, resumable = false): SessionKeys {
  const th3 = hash(L_TH3, th2, finish)
  const master = kdf(dh, L_MASTER, th3)
  const keys: SessionKeys = { th3, c2s: kdf(master, L_C2S), s2c: kdf(master, L_S2C), token: kdf(master, L_TOKEN) }
  if (resumable) keys.resume = kdf(master, L_RESUME)
  wipe(master)
  wipe(dh)
  return keys
}

/** The proof of a RESUME (PROTOCOL.md 15): KDF(resume key, "kp1-resume-proof" ‖ th3 of the new handshake). */
export function resumeProof(resumeKey: Uint8Array, th3: Uint8Array): Uint8Array {
  return kdf(resumeKey, L_RESUME_PROOF, th3)
}
