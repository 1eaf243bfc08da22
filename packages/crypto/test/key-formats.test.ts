import { createPrivateKey, createPublicKey, sign as nodeSign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { impls } from './helpers.js'

const dir = new URL('./vectors/keys/', import.meta.url)
const file = (name: string) => readFileSync(new URL(name, dir), 'utf8')
const openssl: { private: string; public: string; seedHex: string; publicKeyHex: string }[] = JSON.parse(file('ed25519-keys.json'))

/** RFC 8410 section 10.3: a PKCS#8 v2 key with an attribute and the public key. */
const RFC8410_V2 = `-----BEGIN PRIVATE KEY-----
MHICAQEwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
oB8wHQYKKoZIhvcNAQkJFDEPDA1DdXJkbGUgQ2hhaXJzgSEAGb9ECWmEzf6FQbrB
Z9w7lshQhqowtrbLDFw4rXAxZuE=
-----END PRIVATE KEY-----
`

function rangeError(f: () => unknown): RangeError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(RangeError)
    return e as RangeError
  }
  throw new Error('expected a RangeError')
}

function pemOf(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64')
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`
}

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64')
}

for (const { name, api } of impls) {
  const { SigningKey, PublicKey } = api

  describe(`${name}: OpenSSL PEM`, () => {
    it('reads the keys `openssl genpkey -algorithm ed25519` wrote, and writes them back byte for byte', () => {
      for (const k of openssl) {
        const pem = file(k.private)
        const pubPem = file(k.public)
        const key = SigningKey.fromPem(pem)
        expect(key.toHex()).toBe(k.seedHex)
        expect(key.publicKey.toHex()).toBe(k.publicKeyHex)
        expect(key.toPem()).toBe(pem)
        expect(key.publicKey.toPem()).toBe(pubPem)
        expect(SigningKey.from(pem).toHex()).toBe(k.seedHex)
        const pub = PublicKey.fromPem(pubPem)
        expect(pub.toHex()).toBe(k.publicKeyHex)
        expect(PublicKey.from(pubPem).equals(pub)).toBe(true)
        expect(pub.toPem()).toBe(pubPem)
      }
    })

    it("agrees with node:crypto's PKCS#8 and SPKI export both ways", () => {
      for (let i = 0; i < 8; i++) {
        const key = SigningKey.generate()
        // ours -> node:crypto
        const nodePriv = createPrivateKey(key.toPem())
        expect(Buffer.from(nodePriv.export({ format: 'jwk' }).d!, 'base64url').toString('hex')).toBe(key.toHex())
        const nodePub = createPublicKey(key.publicKey.toPem())
        expect(Buffer.from(nodePub.export({ format: 'jwk' }).x!, 'base64url').toString('hex')).toBe(key.publicKey.toHex())
        // node:crypto -> ours
        const pkcs8 = nodePriv.export({ format: 'pem', type: 'pkcs8' }) as string
        const spki = createPublicKey(nodePriv).export({ format: 'pem', type: 'spki' }) as string
        expect(pkcs8).toBe(key.toPem())
        expect(spki).toBe(key.publicKey.toPem())
        expect(SigningKey.fromPem(pkcs8).toHex()).toBe(key.toHex())
        expect(PublicKey.fromPem(spki).equals(key.publicKey)).toBe(true)
        // a signature made by OpenSSL with the key read from our PEM verifies here
        const msg = new TextEncoder().encode(`message ${i}`)
        expect(PublicKey.fromPem(spki).verify(nodeSign(null, msg, nodePriv), msg)).toBe(true)
      }
    })

    it('accepts the RFC 5958 form (RFC 8410 section 10.3 example: attributes and the public key)', () => {
      const key = SigningKey.fromPem(RFC8410_V2)
      expect(key.toHex()).toBe('d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842')
      expect(key.publicKey.toHex()).toBe('19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1')
      // the same structure with another key's public half is refused
      const der = derOf(RFC8410_V2)
      der[der.length - 1]! ^= 1
      expect(rangeError(() => SigningKey.fromPem(pemOf('PRIVATE KEY', der))).message).toMatch(/not the one of its seed/)
    })

    it('tolerates CRLF, text around the block, no final newline, surrounding whitespace', () => {
      const k = openssl[0]!
      const pem = file(k.private)
      for (const variant of [pem.replace(/\n/g, '\r\n'), `Key for the test server\n${pem}\ntrailing words\n`, pem.trimEnd(), `\n\n  ${pem}  \n\n`]) {
        expect(SigningKey.fromPem(variant).toHex()).toBe(k.seedHex)
        expect(SigningKey.from(variant).toHex()).toBe(k.seedHex)
      }
      expect(PublicKey.from(file(k.public).replace(/\n/g, '\r\n')).toHex()).toBe(k.publicKeyHex)
    })
  })

  describe(`${name}: text forms accept a trailing newline`, () => {
    const key = SigningKey.fromSeed(new Uint8Array(32).fill(7))
    const pub = key.publicKey
    const tails = ['\n', '\r\n', ' ', '\t\n', '\n\n']

    it('hex and base64url, secret and public', () => {
      for (const t of tails) {
        expect(SigningKey.fromHex(key.toHex() + t).toHex()).toBe(key.toHex())
        expect(SigningKey.fromBase64url(key.toBase64url() + t).toHex()).toBe(key.toHex())
        expect(SigningKey.from(` ${key.toHex()}${t}`).toHex()).toBe(key.toHex())
        expect(PublicKey.fromHex(pub.toHex() + t).equals(pub)).toBe(true)
        expect(PublicKey.fromBase64url(pub.toBase64url() + t).equals(pub)).toBe(true)
        expect(PublicKey.from(pub.toBase64url() + t).equals(pub)).toBe(true)
      }
    })
  })

  describe(`${name}: libsodium secret keys (seed ‖ public key)`, () => {
    const key = SigningKey.generate()
    const sodium = new Uint8Array(64)
    sodium.set(key.exportSeed())
    sodium.set(key.publicKey.bytes, 32)

    it('are accepted as 64 bytes, 128 hex digits and 86 base64url characters', () => {
      const hex = Buffer.from(sodium).toString('hex')
      const b64u = Buffer.from(sodium).toString('base64url')
      expect(b64u).toHaveLength(86)
      for (const k of [SigningKey.from(sodium), SigningKey.fromHex(hex), SigningKey.fromBase64url(`${b64u}\n`), SigningKey.from(hex), SigningKey.from(b64u)]) {
        expect(k.toHex()).toBe(key.toHex())
      }
    })

    it('are refused when the public half is not the seed’s', () => {
      const bad = sodium.slice()
      bad[40]! ^= 0x10
      for (const f of [() => SigningKey.from(bad), () => SigningKey.fromHex(Buffer.from(bad).toString('hex'))]) {
        expect(rangeError(f).message).toMatch(/libsodium secret key .* whose public key is not the one of its seed/)
      }
    })

    it('fromSeed keeps to 32 bytes and points at SigningKey.from', () => {
      expect(rangeError(() => SigningKey.fromSeed(sodium)).message).toMatch(/libsodium secret key.*SigningKey\.from\(\)/)
    })
  })

  describe(`${name}: a wrong key says what it got`, () => {
    const key = SigningKey.fromSeed(new Uint8Array(32).fill(9))
    const seedHex = key.toHex()

    /** [input, what a SigningKey parse says, what a PublicKey parse says] */
    const cases: [string, string | Uint8Array, RegExp, RegExp][] = [
      ['hex of 33 bytes', `${seedHex}ab`, /got 66 hex digits \(33 bytes\)/, /got 66 hex digits \(33 bytes\)/],
      ['an odd number of hex digits', seedHex.slice(1), /got an odd number of hex digits \(63\)/, /odd number of hex digits/],
      ['standard base64 with padding', Buffer.from(key.exportSeed()).toString('base64'), /standard base64 of 32 bytes/, /standard base64 of 32 bytes/],
      [
        'base64url of 48 bytes',
        Buffer.alloc(48, 1).toString('base64url'),
        /64 base64url characters \(48 bytes\); read as hex, the character at index 1 is not a hex digit/,
        /64 base64url characters \(48 bytes\)/,
      ],
      ['base64url of 31 bytes', Buffer.alloc(31, 1).toString('base64url'), /42 base64url characters \(31 bytes\)/, /42 base64url characters \(31 bytes\)/],
      ['an empty string', '  \n', /got an empty string/, /got an empty string/],
      [
        'an OpenSSH public key',
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host',
        /OpenSSH public key line \("ssh-ed25519 \.\.\."\)/,
        /OpenSSH public key line/,
      ],
      ['whitespace inside', `${seedHex.slice(0, 32)} ${seedHex.slice(32)}`, /whitespace inside \(at index 32\)/, /whitespace inside/],
      ['an RSA PKCS#8 key', file('rsa.pem'), /"PRIVATE KEY" holding an RSA key.*openssl genpkey -algorithm ed25519/, /"PRIVATE KEY" holding an RSA key/],
      ['an RSA public key', file('rsa.pub.pem'), /"PUBLIC KEY" holding an RSA key/, /"PUBLIC KEY" holding an RSA key/],
      ['an EC key', file('ec-p256.pem'), /holding an EC key/, /holding an EC key/],
      ['an X25519 key', file('x25519.pem'), /holding an X25519 key/, /holding an X25519 key/],
      ['an X25519 public key', file('x25519.pub.pem'), /"PUBLIC KEY" holding an X25519 key/, /"PUBLIC KEY" holding an X25519 key/],
      ['an Ed448 key', file('ed448.pem'), /holding an Ed448 key/, /holding an Ed448 key/],
      ['a traditional RSA key', file('rsa-traditional.pem'), /"RSA PRIVATE KEY" \(an RSA key\)/, /"RSA PRIVATE KEY"/],
      ['a traditional EC key', file('ec-p256-traditional.pem'), /"EC PRIVATE KEY" \(an EC key\)/, /"EC PRIVATE KEY"/],
      ['an encrypted PKCS#8 key', file('ed25519-1-encrypted.pem'), /encrypted PKCS#8 key.*openssl pkey/, /encrypted PKCS#8 key/],
      ['an encrypted legacy key', file('rsa-traditional-encrypted.pem'), /encrypted PEM key .*Proc-Type/, /encrypted PEM key/],
      ['two PEM blocks', file('ed25519-1.pem') + file('ed25519-2.pem'), /2 PEM blocks/, /2 PEM blocks/],
      ['a certificate', '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n', /a certificate/, /a certificate/],
      [
        'a PEM without END',
        '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIGSCiTeCK3BRpDBXeXKX7FK7WEuw4trngMX3vK78LblD\n',
        /no "-----END PRIVATE KEY-----" line/,
        /secret|no "-----END PRIVATE KEY-----" line/,
      ],
      ['random characters', '*'.repeat(64), /neither hex, base64url, base64 nor PEM \(the first unexpected one at index 0\)/, /neither hex/],
      [
        'hex with a typo',
        `${seedHex.slice(0, 20)}g${seedHex.slice(21)}`,
        /read as hex, the character at index 20 is not a hex digit/,
        /index 20 is not a hex digit/,
      ],
    ]

    for (const [label, input, secretRe, publicRe] of cases) {
      it(label, () => {
        const s = rangeError(() => SigningKey.from(input as string))
        expect(s.message).toMatch(/^"seed" expected an Ed25519 secret key/)
        expect(s.message).toMatch(secretRe)
        const p = rangeError(() => PublicKey.from(input as string))
        expect(p.message).toMatch(/^"publicKey"/)
        expect(p.message).toMatch(publicRe)
      })
    }

    it('a public key where a secret is expected, and a secret where a public key is expected', () => {
      const pemPub = file(openssl[0]!.public)
      const pemPriv = file(openssl[0]!.private)
      expect(rangeError(() => SigningKey.fromPem(pemPub)).message).toMatch(/PEM "PUBLIC KEY" \(an Ed25519 public key\) where a secret key is expected/)
      expect(rangeError(() => SigningKey.from(pemPub)).message).toMatch(/where a secret key is expected/)
      expect(() => SigningKey.from(key.publicKey as never)).toThrow(/got a PublicKey: a public key where a secret key is expected/)
      expect(rangeError(() => PublicKey.from(pemPriv)).message).toMatch(/PEM "PRIVATE KEY" \(an Ed25519 secret key\) where a public key is expected.*-pubout/)
      expect(rangeError(() => PublicKey.fromPem(pemPriv)).message).toMatch(/where a public key is expected/)
      expect(() => PublicKey.from(key as never)).toThrow(TypeError)
      expect(() => PublicKey.from(key as never)).toThrow(/SigningKey \(a secret key\): pass its \.publicKey/)
    })

    it('a libsodium secret key or a signature where a public key is expected', () => {
      expect(rangeError(() => PublicKey.fromHex('ab'.repeat(64))).message).toMatch(
        /128 hex digits \(64 bytes: the size of a libsodium secret key or a signature/,
      )
      expect(rangeError(() => PublicKey.from(new Uint8Array(64))).message).toMatch(/length=64: the size of a libsodium secret key/)
    })

    it('a key file read as bytes instead of text', () => {
      const bytes = new TextEncoder().encode(`${seedHex}\n`)
      expect(rangeError(() => SigningKey.from(bytes)).message).toMatch(/length=65 that are all printable text: read the key file as text/)
      expect(rangeError(() => PublicKey.from(bytes)).message).toMatch(/read the key file as text/)
    })

    it('the form-specific parsers name the form they expect', () => {
      const pem = key.toPem()
      expect(rangeError(() => SigningKey.fromHex(pem)).message).toMatch(/^"seed" expected 64 hex digits .* got a PEM block; use SigningKey\.fromPem\(\)/)
      expect(rangeError(() => SigningKey.fromPem(seedHex)).message).toMatch(/^"seed" expected a PEM "PRIVATE KEY" .* got 64 hex digits \(32 bytes\)/)
      expect(rangeError(() => SigningKey.fromBase64url(seedHex)).message).toMatch(/^"seed" expected 43 base64url characters/)
      expect(rangeError(() => PublicKey.fromBase64url(key.publicKey.toHex())).message).toMatch(
        /^"publicKey" expected 43 base64url characters .* got 64 hex digits/,
      )
      expect(rangeError(() => PublicKey.fromPem(key.publicKey.toBase64url())).message).toMatch(/^"publicKey" expected a PEM "PUBLIC KEY"/)
    })

    it('malformed Ed25519 structures are refused, never misread', () => {
      const der = derOf(key.toPem())
      const variants: [string, Uint8Array][] = [
        ['truncated', der.subarray(0, der.length - 1)],
        ['trailing byte', Buffer.concat([der, Buffer.of(0)])],
        ['version 2', Buffer.from(der).fill(2, 4, 5)],
        ['a 31-byte seed', Buffer.from(der.toString('hex').replace('04220420', '04210420').replace('302e', '302d').slice(0, -2), 'hex')],
      ]
      for (const [label, bad] of variants) {
        expect(rangeError(() => SigningKey.fromPem(pemOf('PRIVATE KEY', bad))).message, label).toMatch(/"PRIVATE KEY" (whose content is not|with a malformed)/)
      }
      const spki = derOf(key.publicKey.toPem())
      const unusedBits = Buffer.from(spki)
      unusedBits[11] = 1
      expect(rangeError(() => PublicKey.fromPem(pemOf('PUBLIC KEY', unusedBits))).message).toMatch(/malformed Ed25519 public key/)
      // Ed25519 with parameters after the OID (RFC 8410: parameters MUST be absent)
      const withParams = Buffer.from('302c300706032b65700500032100' + key.publicKey.toHex(), 'hex')
      expect(rangeError(() => PublicKey.fromPem(pemOf('PUBLIC KEY', withParams))).message).toMatch(/malformed Ed25519 public key/)
      // a PUBLIC KEY label around PKCS#8 content
      expect(rangeError(() => PublicKey.fromPem(pemOf('PUBLIC KEY', der))).message).toMatch(/not a SubjectPublicKeyInfo/)
    })

    it('random PEM bodies: only RangeError, and never a key', () => {
      let seed = 1
      const rnd = () => {
        seed = (seed * 1103515245 + 12345) >>> 0
        return seed >>> 16
      }
      const base = derOf(key.toPem())
      for (let i = 0; i < 2000; i++) {
        // half: random bytes; half: the real key with one byte changed or cut short
        const der = i % 2 ? Buffer.from(Array.from({ length: rnd() % 80 }, () => rnd() & 255)) : Buffer.from(base)
        let input = der
        if (i % 2 === 0) {
          const at = rnd() % der.length
          if (at < 16)
            der[at]! ^= 1 + (rnd() % 255) // a changed header byte (a changed seed byte is still a key)
          else input = der.subarray(0, at) // cut short
          if (at === 4 && der[4] === 1) continue // version 1 (RFC 5958) without the public key: still a key
        }
        for (const label of ['PRIVATE KEY', 'PUBLIC KEY']) {
          const pem = input.length === 0 ? `-----BEGIN ${label}-----\n-----END ${label}-----\n` : pemOf(label, input)
          const e = rangeError(() => (label === 'PRIVATE KEY' ? SigningKey.fromPem(pem) : PublicKey.fromPem(pem)))
          expect(e.message, input.toString('hex')).toMatch(new RegExp(`^"(seed|publicKey)" expected a PEM "${label}"`))
        }
      }
    })

    it('no message quotes the secret', () => {
      const seedB64u = key.toBase64url()
      const pemBody = derOf(key.toPem()).toString('base64')
      const secretInputs = [
        `${seedHex}ab`,
        seedHex.slice(1),
        Buffer.from(key.exportSeed()).toString('base64'),
        `${seedHex.slice(0, 32)} ${seedHex.slice(32)}`,
        key.toPem().replace('PRIVATE', 'RSA PRIVATE'),
        `${seedB64u}=`,
      ]
      for (const input of secretInputs) {
        for (const f of [() => SigningKey.from(input), () => PublicKey.from(input), () => SigningKey.fromHex(input), () => PublicKey.fromPem(input)]) {
          const m = rangeError(f).message
          for (const secret of [seedHex, seedHex.slice(0, 16), seedB64u.slice(0, 16), pemBody.slice(0, 16)]) expect(m).not.toContain(secret)
        }
      }
    })
  })
}
