"""static/js/hpke.js in headless Chromium: RFC 9180 A.1 vectors, and blobs crossing to and from Python.

The module needs no database and no portal view, so the page is served by Playwright's request routing
on a made-up https origin (a secure context, which WebCrypto requires) with the strict
Content-Security-Policy the portal's pages are meant to run under; the script is the file on disk.
The Python side uses `cryptography`'s HPKE directly, as the runner agent does.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.conf import settings
from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

HPKE_JS = Path(settings.BASE_DIR) / "static" / "js" / "hpke.js"
VECTORS = json.loads((Path(__file__).parent / "fixtures" / "rfc9180_a1_base_x25519_sha256_aes128gcm.json").read_text())
ORIGIN = "https://portal.test"
INSECURE_ORIGIN = "http://portal.test"  # plain http to a non-local host is not a secure context
CSP = "default-src 'none'; script-src 'self'"
# The inline canary must NOT run: it proves the CSP header is in force while hpke.js loads.
PAGE = ('<!doctype html><html><head><title>hpke</title>'
        '<script src="/static/js/hpke.js"></script>'
        '<script>window.inlineRan = true;</script></head><body></body></html>')

BROWSER_SUITE_NAME = "X25519-HKDF-SHA256-AES128GCM"
BROWSER_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_128_GCM)
SERVER_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)

# Hex in and out of the page: evaluate() passes JSON, not bytes.
JS_HELPERS = """
  const unhex = (h) => Uint8Array.from((h.match(/../g) || []).map((b) => parseInt(b, 16)));
  const hex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, "0")).join("");
  const H = ScmHpke;
"""


def _serve(route, request):
    if request.url in (f"{ORIGIN}/static/js/hpke.js", f"{INSECURE_ORIGIN}/static/js/hpke.js"):
        route.fulfill(status=200, body=HPKE_JS.read_bytes(), content_type="text/javascript",
                      headers={"Content-Security-Policy": CSP})
    elif request.url in (f"{ORIGIN}/", f"{INSECURE_ORIGIN}/"):
        route.fulfill(status=200, body=PAGE, content_type="text/html", headers={"Content-Security-Policy": CSP})
    else:
        route.fulfill(status=404, body="not found")


@pytest.fixture(scope="module")
def chromium_context():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context()
        context.set_default_timeout(15_000)
        context.route("**/*", _serve)
        try:
            yield context
        finally:
            context.close()
            browser.close()


@pytest.fixture(scope="module")
def hpke_page(chromium_context):
    page = chromium_context.new_page()
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("() => window.ScmHpke !== undefined")
    return page


def run(page, body: str, arg=None):
    return page.evaluate(f"async (arg) => {{ {JS_HELPERS} {body} }}", arg)


def info_for(runner_id: int, integration_id: int) -> bytes:
    # The binding the server uses today (runners/protocol/sealing.py sealing_info), written out here on purpose.
    return b"scm-portal/v1 runner=%d integration=%d" % (runner_id, integration_id)


def recipient_key() -> tuple[X25519PrivateKey, bytes]:
    private = X25519PrivateKey.generate()
    return private, private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_module_loads_under_strict_csp_and_names_its_suite(hpke_page):
    state = run(hpke_page, """
      return {inlineRan: window.inlineRan === true, frozen: Object.isFrozen(H) && Object.isFrozen(H.testing),
              suite: H.SUITE_NAME, supported: await H.supported(), secure: window.isSecureContext};
    """)
    assert state == {"inlineRan": False, "frozen": True, "suite": BROWSER_SUITE_NAME, "supported": True,
                     "secure": True}


def test_rfc9180_a1_key_pairs_derive_from_the_vector_ikm(hpke_page):
    pairs = run(hpke_page, """
      const out = {};
      for (const who of ["E", "R"]) {
        const kp = await H.testing.deriveKeyPair(unhex(arg["ikm" + who]));
        out["sk" + who + "m"] = hex(kp.skRaw);
        out["pk" + who + "m"] = hex(kp.pkRaw);
      }
      return out;
    """, VECTORS)
    assert pairs == {k: VECTORS[k] for k in ("skEm", "pkEm", "skRm", "pkRm")}


def test_rfc9180_a1_sender_key_schedule_every_encryption_and_export(hpke_page):
    """Seal with the vector's ephemeral key: seq 0 is what single-shot `seal` does; the context then
    advances through seq 256 so every listed encryption (0, 1, 2, 4, 255, 256) is checked."""
    result = run(hpke_page, """
      const v = arg;
      const {enc, context} = await H.testing.setupBaseSender(unhex(v.pkRm), unhex(v.info), unhex(v.skEm));
      const i = context.intermediates;
      const last = v.encryptions[v.encryptions.length - 1].sequence_number;
      const cts = {};
      for (let seq = 0; seq <= last; seq++) {
        const ct = await context.seal(new TextEncoder().encode("Count-" + seq), unhex(v.encryptions[0].pt));
        cts[seq] = hex(ct);
      }
      const exports = [];
      for (const e of v.exports) exports.push(hex(await context.export(unhex(e.exporter_context), e.L)));
      return {enc: hex(enc), shared_secret: hex(i.sharedSecret), key_schedule_context: hex(i.keyScheduleContext),
              secret: hex(i.secret), key: hex(i.key), base_nonce: hex(i.baseNonce),
              exporter_secret: hex(i.exporterSecret), cts, exports};
    """, VECTORS)
    for name in ("enc", "shared_secret", "key_schedule_context", "secret", "key", "base_nonce", "exporter_secret"):
        assert result[name] == VECTORS[name], name
    for encryption in VECTORS["encryptions"]:
        assert bytes.fromhex(encryption["aad"]) == b"Count-%d" % encryption["sequence_number"]
        assert result["cts"][str(encryption["sequence_number"])] == encryption["ct"], encryption["sequence_number"]
    assert result["exports"] == [e["exported_value"] for e in VECTORS["exports"]]


def test_rfc9180_a1_recipient_opens_every_vector_ciphertext(hpke_page):
    result = run(hpke_page, """
      const v = arg;
      const recipient = await H.testing.setupBaseRecipient(unhex(v.enc), unhex(v.skRm), unhex(v.info));
      // Sequence numbers the RFC does not list are filled by a sender context, so the recipient's
      // counter walks 0..256 the way a real stream would.
      const {context: sender} = await H.testing.setupBaseSender(unhex(v.pkRm), unhex(v.info), unhex(v.skEm));
      const listed = new Map(v.encryptions.map((e) => [e.sequence_number, e]));
      const opened = {};
      for (let seq = 0; seq <= 256; seq++) {
        const aad = new TextEncoder().encode("Count-" + seq);
        const pt = unhex(v.encryptions[0].pt);
        const produced = await sender.seal(aad, pt);
        const ct = listed.has(seq) ? unhex(listed.get(seq).ct) : produced;
        const got = await recipient.open(aad, ct);
        if (listed.has(seq)) opened[seq] = hex(got);
      }
      return {secret: hex(recipient.intermediates.secret), opened};
    """, VECTORS)
    assert result["secret"] == VECTORS["secret"]
    assert result["opened"] == {str(e["sequence_number"]): e["pt"] for e in VECTORS["encryptions"]}


def test_browser_sealed_client_secret_opens_with_python_cryptography(hpke_page):
    private, public_raw = recipient_key()
    document = json.dumps({"client_id": "abc", "client_secret": "s3cr3t-ünïcode", "token_url":
                           "https://bitbucket.example/site/oauth2/access_token", "client_auth": "basic"},
                          separators=(",", ":")).encode()
    sealed = run(hpke_page, """
      const seal = () => H.seal(unhex(arg.pk), unhex(arg.info), new Uint8Array(0), unhex(arg.pt));
      const a = await seal(), b = await seal();
      return [{enc: hex(a.enc), ct: hex(a.ct)}, {enc: hex(b.enc), ct: hex(b.ct)}];
    """, {"pk": public_raw.hex(), "info": info_for(7, 42).hex(), "pt": document.hex()})
    first, second = ({k: bytes.fromhex(v) for k, v in s.items()} for s in sealed)
    assert len(first["enc"]) == 32 and len(first["ct"]) == len(document) + 16  # AES-GCM tag
    assert first["enc"] != second["enc"]  # a fresh ephemeral key per seal
    assert document not in first["ct"]

    # The blob as the server stores it: {"v":1,"suite":NAME,"ct":base64(enc || ct)}.
    blob_text = json.dumps({"v": 1, "suite": BROWSER_SUITE_NAME,
                            "ct": base64.b64encode(first["enc"] + first["ct"]).decode()}, separators=(",", ":"))
    blob = json.loads(blob_text)
    assert blob["suite"] == BROWSER_SUITE_NAME
    ciphertext = base64.b64decode(blob["ct"], validate=True)
    assert BROWSER_SUITE.decrypt(ciphertext, private, info=info_for(7, 42)) == document
    assert BROWSER_SUITE.decrypt(second["enc"] + second["ct"], private, info=info_for(7, 42)) == document

    # Bound to runner and integration, tamper-evident, and only opens under the suite it names.
    for wrong_info in (info_for(7, 43), info_for(8, 42)):
        with pytest.raises(InvalidTag):
            BROWSER_SUITE.decrypt(ciphertext, private, info=wrong_info)
    flipped = bytearray(ciphertext)
    flipped[40] ^= 0x01
    with pytest.raises(InvalidTag):
        BROWSER_SUITE.decrypt(bytes(flipped), private, info=info_for(7, 42))
    with pytest.raises(InvalidTag):
        SERVER_SUITE.decrypt(ciphertext, private, info=info_for(7, 42))
    with pytest.raises(InvalidTag):
        BROWSER_SUITE.decrypt(ciphertext, X25519PrivateKey.generate(), info=info_for(7, 42))


def test_python_sealed_blob_opens_in_chromium(hpke_page):
    private, _ = recipient_key()
    sk_raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                   serialization.NoEncryption())
    plaintext = b'{"client_id":"abc","client_secret":"from-python"}'
    blob = BROWSER_SUITE.encrypt(plaintext, private.public_key(), info=info_for(3, 9))
    flipped = bytearray(blob)
    flipped[-1] ^= 0x80
    result = run(hpke_page, """
      const open = (blob, info) => H.testing.open(unhex(arg.sk), unhex(blob).subarray(0, 32), unhex(info),
                                                  new Uint8Array(0), unhex(blob).subarray(32));
      const fails = async (blob, info) => {
        try { await open(blob, info); return null; } catch (err) { return err.message; }
      };
      return {opened: hex(await open(arg.blob, arg.info)), flipped: await fails(arg.flipped, arg.info),
              otherInfo: await fails(arg.blob, arg.otherInfo)};
    """, {"sk": sk_raw.hex(), "blob": blob.hex(), "flipped": bytes(flipped).hex(), "info": info_for(3, 9).hex(),
          "otherInfo": info_for(3, 10).hex()})
    assert bytes.fromhex(result["opened"]) == plaintext
    assert result["flipped"] == result["otherInfo"] == "The sealed blob cannot be opened with this key and context."


def test_seal_refuses_bad_keys_and_inputs_with_a_clear_message(hpke_page):
    errors = run(hpke_page, """
      const bytes = (n, fill) => new Uint8Array(n).fill(fill || 0);
      const attempt = async (...args) => {
        try { await H.seal(...args); return null; } catch (err) { return err.name + ": " + err.message; }
      };
      // 0 and 1 are low-order points: X25519 with them gives the all-zero secret RFC 9180 forbids.
      const one = bytes(32); one[0] = 1;
      return {
        short: await attempt(bytes(31, 9), bytes(1), bytes(0), bytes(1)),
        notBytes: await attempt(bytes(32, 9), "info", bytes(0), bytes(1)),
        arrayKey: await attempt(Array.from(bytes(32, 9)), bytes(1), bytes(0), bytes(1)),
        zero: await attempt(bytes(32), bytes(1), bytes(0), bytes(1)),
        one: await attempt(one, bytes(1), bytes(0), bytes(1)),
      };
    """)
    assert errors["short"] == "TypeError: recipientPublicKeyRaw must be exactly 32 bytes, not 31."
    assert errors["notBytes"] == "TypeError: info must be a Uint8Array."
    assert errors["arrayKey"] == "TypeError: recipientPublicKeyRaw must be a Uint8Array."
    for low_order in ("zero", "one"):
        assert errors[low_order].startswith("Error: Cannot seal to this public key: it is not a usable X25519 key")


def test_outside_a_secure_context_it_says_so_instead_of_sealing(chromium_context):
    # Plain http to a non-local host: no WebCrypto. The dialog must learn that and seal on the server.
    page = chromium_context.new_page()
    try:
        page.goto(f"{INSECURE_ORIGIN}/")
        page.wait_for_function("() => window.ScmHpke !== undefined")
        result = run(page, """
          let error = null;
          try { await H.seal(new Uint8Array(32).fill(9), new Uint8Array(1), new Uint8Array(0), new Uint8Array(1)); }
          catch (err) { error = err.message; }
          return {secure: window.isSecureContext, supported: await H.supported(), error};
        """)
    finally:
        page.close()
    assert result == {"secure": False, "supported": False,
                      "error": "WebCrypto is not available here (the page is not a secure context)."}
