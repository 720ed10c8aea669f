// HPKE (RFC 9180) for sealing secrets in the browser, on WebCrypto only: no third-party code, no build step.
// Suite: base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM. The browser cannot use the
// server's ChaCha20-Poly1305 suite (WebCrypto has no ChaCha20), so its blobs carry their own suite name.
//
// A classic script (not an ES module) so the existing deferred scripts and htmx-loaded dialogs can use
// it without a loader: it defines one frozen global, `ScmHpke`. It needs no inline script and no eval,
// so a page under `Content-Security-Policy: script-src 'self'` loads it with <script src>.
//
//   ScmHpke.SUITE_NAME                         the name stored beside the ciphertext
//   await ScmHpke.supported()                  false where WebCrypto lacks X25519 (fall back to the server)
//   await ScmHpke.seal(pkR, info, aad, pt)     -> {enc: Uint8Array(32), ct: Uint8Array}
//
// `cryptography`'s Suite.encrypt/decrypt (the runner agent) use an empty aad and the blob enc || ct:
// callers that want to be opened there pass `new Uint8Array(0)` as aad and bind everything through info.
// `ScmHpke.testing` exposes the deterministic key schedule for the RFC 9180 test vectors and an `open`
// for cross-checks; the product never calls it.
(function (global) {
  "use strict";

  const SUITE_NAME = "X25519-HKDF-SHA256-AES128GCM";
  const KEM_ID = 0x0020; // DHKEM(X25519, HKDF-SHA256)
  const KDF_ID = 0x0001; // HKDF-SHA256
  const AEAD_ID = 0x0001; // AES-128-GCM
  const N_SECRET = 32; // KEM shared secret
  const N_PK = 32; // X25519 public key = enc
  const N_K = 16; // AES-128 key
  const N_N = 12; // GCM nonce
  const N_H = 32; // SHA-256 output
  const MODE_BASE = 0x00;
  // A PKCS#8 wrapper for a raw X25519 private key: WebCrypto imports private keys only as PKCS#8 or JWK.
  const PKCS8_X25519_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e,
    0x04, 0x22, 0x04, 0x20];

  const utf8 = (text) => new TextEncoder().encode(text);
  const HPKE_V1 = utf8("HPKE-v1");

  function i2osp(value, length) {
    const out = new Uint8Array(length);
    for (let i = length - 1, v = value; i >= 0 && v > 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
    return out;
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  const KEM_SUITE_ID = concat(utf8("KEM"), i2osp(KEM_ID, 2));
  const HPKE_SUITE_ID = concat(utf8("HPKE"), i2osp(KEM_ID, 2), i2osp(KDF_ID, 2), i2osp(AEAD_ID, 2));

  function subtle() {
    // Absent outside a secure context (plain http to a non-local host): say so instead of a TypeError.
    const s = global.crypto && global.crypto.subtle;
    if (!s) throw new Error("WebCrypto is not available here (the page is not a secure context).");
    return s;
  }

  function requireBytes(name, value, length) {
    if (!(value instanceof Uint8Array)) throw new TypeError(name + " must be a Uint8Array.");
    if (length !== undefined && value.length !== length) {
      throw new TypeError(name + " must be exactly " + length + " bytes, not " + value.length + ".");
    }
  }

  // --- HKDF-SHA256 (RFC 5869) from HMAC: HPKE needs Extract and Expand apart, WebCrypto's HKDF fuses them.
  async function hmac(key, data) {
    // An empty salt means HashLen zero bytes (RFC 5869 2.2); WebCrypto refuses a zero-length HMAC key.
    const k = await subtle().importKey("raw", key.length ? key : new Uint8Array(N_H),
      { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return new Uint8Array(await subtle().sign("HMAC", k, data));
  }

  function extract(salt, ikm) { return hmac(salt, ikm); }

  async function expand(prk, info, length) {
    if (length > 255 * N_H) throw new Error("HKDF-Expand: requested length is too large.");
    const out = new Uint8Array(length);
    let block = new Uint8Array(0);
    for (let i = 1, at = 0; at < length; i++) {
      block = await hmac(prk, concat(block, info, Uint8Array.of(i)));
      out.set(block.subarray(0, Math.min(N_H, length - at)), at);
      at += N_H;
    }
    return out;
  }

  function labeledExtract(suiteId, salt, label, ikm) {
    return extract(salt, concat(HPKE_V1, suiteId, utf8(label), ikm));
  }

  function labeledExpand(suiteId, prk, label, info, length) {
    return expand(prk, concat(i2osp(length, 2), HPKE_V1, suiteId, utf8(label), info), length);
  }

  // --- DHKEM(X25519, HKDF-SHA256) -----------------------------------------------------------------
  async function importPublicKey(raw) {
    return subtle().importKey("raw", raw, { name: "X25519" }, true, []);
  }

  async function importPrivateKey(raw) {
    return subtle().importKey("pkcs8", concat(Uint8Array.from(PKCS8_X25519_PREFIX), raw),
      { name: "X25519" }, true, ["deriveBits"]);
  }

  async function publicKeyOfPrivate(privateKey) {
    // WebCrypto has no "public key of this private key", but the private JWK carries it as x.
    const jwk = await subtle().exportKey("jwk", privateKey);
    return base64UrlDecode(jwk.x);
  }

  function base64UrlDecode(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }

  async function dh(privateKey, publicKeyRaw, failure) {
    try {
      const publicKey = await importPublicKey(publicKeyRaw);
      return new Uint8Array(await subtle().deriveBits({ name: "X25519", public: publicKey }, privateKey, 256));
    } catch (err) {
      // WebCrypto rejects a low-order point (all-zero shared secret), as RFC 9180 7.1.4 requires.
      throw new Error(failure + " (" + err.name + ").");
    }
  }

  async function extractAndExpand(dhSecret, kemContext) {
    const eaePrk = await labeledExtract(KEM_SUITE_ID, new Uint8Array(0), "eae_prk", dhSecret);
    return labeledExpand(KEM_SUITE_ID, eaePrk, "shared_secret", kemContext, N_SECRET);
  }

  // Encap with a given ephemeral key pair (a CryptoKey and its raw public key).
  async function encap(recipientPublicKeyRaw, ephemeralPrivateKey, ephemeralPublicKeyRaw) {
    const dhSecret = await dh(ephemeralPrivateKey, recipientPublicKeyRaw,
      "Cannot seal to this public key: it is not a usable X25519 key");
    const enc = ephemeralPublicKeyRaw;
    const sharedSecret = await extractAndExpand(dhSecret, concat(enc, recipientPublicKeyRaw));
    return { sharedSecret, enc };
  }

  async function decap(enc, recipientPrivateKey) {
    const dhSecret = await dh(recipientPrivateKey, enc, "The encapsulated key is not a usable X25519 key");
    const pkRm = await publicKeyOfPrivate(recipientPrivateKey);
    return extractAndExpand(dhSecret, concat(enc, pkRm));
  }

  async function deriveKeyPair(ikm) {
    const dkpPrk = await labeledExtract(KEM_SUITE_ID, new Uint8Array(0), "dkp_prk", ikm);
    const skRaw = await labeledExpand(KEM_SUITE_ID, dkpPrk, "sk", new Uint8Array(0), 32);
    const privateKey = await importPrivateKey(skRaw);
    return { privateKey, skRaw, pkRaw: await publicKeyOfPrivate(privateKey) };
  }

  // --- Key schedule (base mode: no PSK) and the encryption context ---------------------------------
  async function keySchedule(sharedSecret, info) {
    const empty = new Uint8Array(0);
    const pskIdHash = await labeledExtract(HPKE_SUITE_ID, empty, "psk_id_hash", empty);
    const infoHash = await labeledExtract(HPKE_SUITE_ID, empty, "info_hash", info);
    const keyScheduleContext = concat(Uint8Array.of(MODE_BASE), pskIdHash, infoHash);
    const secret = await labeledExtract(HPKE_SUITE_ID, sharedSecret, "secret", empty);
    const key = await labeledExpand(HPKE_SUITE_ID, secret, "key", keyScheduleContext, N_K);
    const baseNonce = await labeledExpand(HPKE_SUITE_ID, secret, "base_nonce", keyScheduleContext, N_N);
    const exporterSecret = await labeledExpand(HPKE_SUITE_ID, secret, "exp", keyScheduleContext, N_H);
    const aesKey = await subtle().importKey("raw", key, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    return new Context(aesKey, baseNonce, exporterSecret,
      { sharedSecret, keyScheduleContext, secret, key, baseNonce, exporterSecret });
  }

  // One context per encapsulation; the sequence number advances per message, as in RFC 9180 5.2.
  class Context {
    constructor(aesKey, baseNonce, exporterSecret, intermediates) {
      this._aesKey = aesKey;
      this._baseNonce = baseNonce;
      this._exporterSecret = exporterSecret;
      this._seq = 0;
      this.intermediates = intermediates; // read by the vector tests only
    }

    _nonce() {
      const seq = i2osp(this._seq, N_N);
      return this._baseNonce.map((b, i) => b ^ seq[i]);
    }

    _advance() {
      if (this._seq >= Number.MAX_SAFE_INTEGER) throw new Error("HPKE message limit reached.");
      this._seq += 1;
    }

    async seal(aad, plaintext) {
      const ct = await subtle().encrypt({ name: "AES-GCM", iv: this._nonce(), additionalData: aad, tagLength: 128 },
        this._aesKey, plaintext);
      this._advance();
      return new Uint8Array(ct);
    }

    async open(aad, ciphertext) {
      let pt;
      try {
        pt = await subtle().decrypt({ name: "AES-GCM", iv: this._nonce(), additionalData: aad, tagLength: 128 },
          this._aesKey, ciphertext);
      } catch (err) {
        throw new Error("The sealed blob cannot be opened with this key and context.");
      }
      this._advance();
      return new Uint8Array(pt);
    }

    export(exporterContext, length) {
      return labeledExpand(HPKE_SUITE_ID, this._exporterSecret, "sec", exporterContext, length);
    }
  }

  function checkSealInputs(recipientPublicKeyRaw, info, aad, plaintext) {
    requireBytes("recipientPublicKeyRaw", recipientPublicKeyRaw, N_PK);
    requireBytes("info", info);
    requireBytes("aad", aad);
    requireBytes("plaintext", plaintext);
  }

  // --- Public surface -----------------------------------------------------------------------------
  async function supported() {
    try {
      await subtle().generateKey({ name: "X25519" }, false, ["deriveBits"]);
      return true;
    } catch (err) {
      return false;
    }
  }

  async function seal(recipientPublicKeyRaw, info, aad, plaintext) {
    checkSealInputs(recipientPublicKeyRaw, info, aad, plaintext);
    // A fresh ephemeral key per seal; its private half is not extractable and dies with this call.
    const ephemeral = await subtle().generateKey({ name: "X25519" }, false, ["deriveBits"]);
    const pkEm = new Uint8Array(await subtle().exportKey("raw", ephemeral.publicKey));
    const { sharedSecret, enc } = await encap(recipientPublicKeyRaw, ephemeral.privateKey, pkEm);
    const context = await keySchedule(sharedSecret, info);
    return { enc, ct: await context.seal(aad, plaintext) };
  }

  // Test-only: deterministic sender (ephemeral key from the vector) and the recipient side.
  const testing = Object.freeze({
    deriveKeyPair: async (ikm) => {
      requireBytes("ikm", ikm);
      const { skRaw, pkRaw } = await deriveKeyPair(ikm);
      return { skRaw, pkRaw };
    },
    setupBaseSender: async (recipientPublicKeyRaw, info, ephemeralSkRaw) => {
      requireBytes("recipientPublicKeyRaw", recipientPublicKeyRaw, N_PK);
      requireBytes("info", info);
      requireBytes("ephemeralSkRaw", ephemeralSkRaw, 32);
      const skE = await importPrivateKey(ephemeralSkRaw);
      const { sharedSecret, enc } = await encap(recipientPublicKeyRaw, skE, await publicKeyOfPrivate(skE));
      return { enc, context: await keySchedule(sharedSecret, info) };
    },
    setupBaseRecipient: async (enc, recipientSkRaw, info) => {
      requireBytes("enc", enc, N_PK);
      requireBytes("recipientSkRaw", recipientSkRaw, 32);
      requireBytes("info", info);
      const sharedSecret = await decap(enc, await importPrivateKey(recipientSkRaw));
      return keySchedule(sharedSecret, info);
    },
    open: async (recipientSkRaw, enc, info, aad, ct) => {
      requireBytes("aad", aad);
      requireBytes("ct", ct);
      const context = await testing.setupBaseRecipient(enc, recipientSkRaw, info);
      return context.open(aad, ct);
    },
  });

  global.ScmHpke = Object.freeze({ SUITE_NAME, supported, seal, testing });
})(globalThis);
