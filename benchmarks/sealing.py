"""Sealing: seal and open times per suite, and what each blob costs in the database.

Server suites go through the code the portal and the agent run (`runners.protocol.sealing`, the
runner's public key parsed on every seal, as the portal does). The browser suite runs
static/js/hpke.js in headless Chromium (the page served by request routing on a made-up https origin,
as in tests/browser/test_hpke_module.py); its blobs are opened in Python, as the agent opens them.
"""

from __future__ import annotations

import base64
import os
import statistics
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from runners.agent.hybrid_key import HybridPrivateKey
from runners.protocol.sealing import (
    BROWSER_SUITE_NAME,
    HYBRID_SUITE_NAME,
    SUITE_NAME,
    SealedBlob,
    client_secret_document,
    generate_private_key,
    open_blob,
    public_key_b64,
    seal,
    sealing_info,
)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
N = 300
BROWSER_N = 200
# Targets: sealing happens once per saved secret and opening once per token request, so a few
# milliseconds are invisible next to the provider's own round trip. They are on the median: on the
# shared 2-core VM the p95 measures the scheduler (other processes), and is printed beside it.
TARGET_SERVER_MEDIAN_MS = 1.0
TARGET_BROWSER_MEDIAN_MS = 5.0
DOCUMENT = client_secret_document(client_id="a" * 20, client_secret="s" * 40,
                                  token_url="https://bitbucket.example.com/rest/oauth2/latest/token")
INFO = sealing_info(7, 42)


def _ms(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered) * 1000, 3),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 3)}


def _timed(fn, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def _server_suite(suite: str, public_key: str, keys: dict) -> dict:
    blob = seal(public_key, DOCUMENT, INFO, suite=suite)
    assert open_blob(keys, blob, INFO) == DOCUMENT
    seal_t = _timed(lambda: seal(public_key, DOCUMENT, INFO, suite=suite), N)
    open_t = _timed(lambda: open_blob(keys, SealedBlob.from_text(blob.to_text()), INFO), N)
    return {"suite": suite, "n": N, "seal": _ms(seal_t), "open": _ms(open_t),
            "ciphertext_bytes": len(blob.ciphertext), "stored_text_bytes": len(blob.to_text()),
            "plaintext_bytes": len(DOCUMENT), "public_key_bytes": len(base64.b64decode(public_key))}


BROWSER_LOOP = """async ([pkHex, infoHex, ptHex, n]) => {
  const unhex = (h) => Uint8Array.from(h.match(/../g).map((b) => parseInt(b, 16)));
  const hex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, "0")).join("");
  const pk = unhex(pkHex), info = unhex(infoHex), pt = unhex(ptHex), aad = new Uint8Array(0);
  const times = [];
  let last;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    last = await ScmHpke.seal(pk, info, aad, pt);
    times.push(performance.now() - t0);
  }
  return {times, enc: hex(last.enc), ct: hex(last.ct)};
}"""


def _browser_suite(private_key) -> dict:
    from playwright.sync_api import sync_playwright

    script = (ROOT / "static" / "js" / "hpke.js").read_bytes()
    page_html = '<!doctype html><script src="/static/js/hpke.js"></script>'

    def serve(route, request):
        if request.url.endswith("/static/js/hpke.js"):
            route.fulfill(status=200, body=script, content_type="text/javascript")
        else:
            route.fulfill(status=200, body=page_html, content_type="text/html")

    public_raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context()
            context.route("**/*", serve)
            page = context.new_page()
            page.goto("https://portal.test/")
            page.wait_for_function("() => window.ScmHpke !== undefined")
            page.evaluate(BROWSER_LOOP, [public_raw.hex(), INFO.hex(), DOCUMENT.hex(), 10])  # warm up
            answer = page.evaluate(BROWSER_LOOP, [public_raw.hex(), INFO.hex(), DOCUMENT.hex(), BROWSER_N])
        finally:
            browser.close()
    blob = SealedBlob(suite=BROWSER_SUITE_NAME, ciphertext=bytes.fromhex(answer["enc"] + answer["ct"]))
    assert open_blob({"x25519": private_key}, blob, INFO) == DOCUMENT, "a browser blob did not open in Python"
    open_t = _timed(lambda: open_blob({"x25519": private_key}, SealedBlob.from_text(blob.to_text()), INFO), N)
    times = sorted(t / 1000 for t in answer["times"])
    return {"suite": BROWSER_SUITE_NAME, "n": BROWSER_N, "seal": _ms(times), "open": _ms(open_t),
            "ciphertext_bytes": len(blob.ciphertext), "stored_text_bytes": len(blob.to_text()),
            "plaintext_bytes": len(DOCUMENT), "public_key_bytes": len(public_raw), "sealed_in": "chromium"}


def main(emit) -> dict:
    x25519 = generate_private_key()
    hybrid = HybridPrivateKey.generate()
    keys = {"x25519": x25519, "hybrid": hybrid.hpke_key}
    rows = {
        "server_x25519": _server_suite(SUITE_NAME, public_key_b64(x25519), keys),
        "server_hybrid": _server_suite(HYBRID_SUITE_NAME, hybrid.public_key_b64(), keys),
    }
    try:
        rows["browser_x25519"] = _browser_suite(x25519)
    except Exception as exc:  # no Chromium here: the server figures still stand
        emit({"row": "browser_x25519", "error": f"{type(exc).__name__}: {exc}"})
    for name, row in rows.items():
        emit({"row": name, **row})
    server_median = max(max(r["seal"]["median_ms"], r["open"]["median_ms"])
                        for k, r in rows.items() if k.startswith("server"))
    figures = {f"{name}_{op}_{stat}_ms": row[op][f"{stat}_ms"]
               for name, row in rows.items() for op in ("seal", "open") for stat in ("median", "p95")}
    figures.update({f"{name}_stored_bytes": row["stored_text_bytes"] for name, row in rows.items()})
    browser = rows.get("browser_x25519")
    return {**figures, "target_server_median_ms": TARGET_SERVER_MEDIAN_MS,
            "target_browser_seal_median_ms": TARGET_BROWSER_MEDIAN_MS,
            "server_target_met": server_median <= TARGET_SERVER_MEDIAN_MS,
            "browser_target_met": bool(browser and browser["seal"]["median_ms"] <= TARGET_BROWSER_MEDIAN_MS)}
