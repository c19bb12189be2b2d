"""No secrets kept: a page full of credentials leaves none in captures, records, bundles or Dagster's event log."""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pyarrow.parquet as pq
import pytest

from minedag.bundles import build_bundle
from minedag.defs.capture import page_capture
from minedag.defs.jobs import mine_job
from minedag.defs.profiles import mining_profiles
from minedag.defs.resources import BrowserResource, StoreResource
from minedag.functionalities import FUNCTIONALITIES
from minedag.mining import mine
from minedag.store import Store

SECRETS = {
    "cookie": "CookieSecret1234", "authorization": "AuthSecret5678", "api key header": "HeaderKey9012",
    "query api_key": "QueryKey3456", "query access_token": "AccessTok7890", "fetch token": "FetchTok2345",
    "password field": "Passw0rdValue", "hidden field": "CsrfHidden6789", "local storage": "StoredSecret0123",
    "url session": "UrlSession4567", "e-mail": "ada.lovelace@example.org",
    "password after a data-value decoy": "Passw0rdSecond", "csrf meta": "CsrfMeta4455",
    "percent-encoded parameter name": "EncodedKey6677", "token in a fragment": "FragTok8899",
    "password typed in by a script": "TypedSecret99", "cookie set by a script": "ScriptCookie4321",
    "cookie set on a login redirect": "RedirCookie8765",
}
PAGE = f"""<!doctype html><html lang="en"><head><title>Account</title>
<meta name="csrf-token" content="{SECRETS['csrf meta']}">
<meta name="description" content="Sign in to your account to see your orders and settings."></head>
<body><main><h1>Your account</h1><p>Write to {SECRETS['e-mail']} if you need help with your orders.</p>
<img src="/pixel.png?api_key={SECRETS['query api_key']}" alt="pixel">
<script src="/app.js?access_token={SECRETS['query access_token']}"></script>
<form method="post" action="/login"><label>User <input name="user" value="ada"></label>
<label>Password <input type="password" name="pw" value="{SECRETS['password field']}"></label>
<input type="hidden" name="csrf" value="{SECRETS['hidden field']}"><button>Sign in</button></form>
<form><input data-value="decoy" type="password" name="pw2" value="{SECRETS['password after a data-value decoy']}">
<input type="password" id="pw3" name="pw3"></form>
<img src="/p.png?api%5Fkey={SECRETS['percent-encoded parameter name']}" alt="">
<a href="/callback#access_token={SECRETS['token in a fragment']}&state=1">Continue</a>
<script>localStorage.setItem("k", ["Stored", "Secret0123"].join(""));
document.getElementById("pw3").value = ["Typed", "Secret99"].join("");
document.cookie = "sid=" + ["Script", "Cookie4321"].join("") + "; path=/";
document.querySelector("main").insertAdjacentHTML("beforeend", "<p>Cookies here: " + document.cookie + "</p>");
fetch("/api?token={SECRETS['fetch token']}").catch(() => {{}});</script></main></body></html>"""


@pytest.fixture(scope="module")
def secret_site():
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/signin"):  # a login that sets its session cookie on the redirect only
                self.send_response(302)
                self.send_header("Location", "/account?tab=profile")
                self.send_header("Set-Cookie", f"rsid={SECRETS['cookie set on a login redirect']}; HttpOnly; Path=/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            echoed = f"<p>Signed in with {self.headers.get('Cookie', 'no cookie')}</p></main>"  # the server echoes it
            body = PAGE.replace("</main>", echoed).encode() if self.path.startswith("/account") else b"ok"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8" if self.path.startswith("/account") else "text/plain")
            self.send_header("Set-Cookie", f"session={SECRETS['cookie']}; HttpOnly")
            self.send_header("Authorization", f"Bearer {SECRETS['authorization']}")
            self.send_header("X-Api-Key", SECRETS["api key header"])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.mark.slow
def test_no_planted_secret_survives_anywhere(secret_site, tmp_path, monkeypatch):
    monkeypatch.setenv("MINEDAG_DATA", str(tmp_path / "data"))
    browser = BrowserResource(host_rules=f"MAP secrets.test 127.0.0.1:{secret_site}", allow_hosts=["secrets.test"],
                              serve_sample_site=False, respect_robots=False, redact_emails=True)
    store_root = tmp_path / "data" / "store"
    defs = dg.Definitions(assets=[page_capture, mining_profiles], jobs=[mine_job],
                          resources={"browser": browser, "store": StoreResource(root=str(store_root))})
    instance = dg.DagsterInstance.ephemeral()
    raw = f"http://secrets.test/account?session={SECRETS['url session']}&tab=orders"
    (result,) = mine(instance, [raw, "http://secrets.test/signin"], defs=defs)
    assert result.success
    assert instance.get_dynamic_partitions("urls") == ["http://secrets.test/account?tab=orders", "http://secrets.test/signin"]
    store = Store(store_root)
    cap = store.load_capture("http://secrets.test/account?tab=orders")
    assert cap is not None and cap.ok and "set-cookie" in cap.response_headers  # still there, as a name
    assert any("pixel.png" in r["url"] for r in cap.network)

    texts = {}
    for path in store_root.rglob("*"):
        if path.suffix == ".gz":
            texts[str(path)] = gzip.decompress(path.read_bytes()).decode()
        elif path.suffix == ".parquet":
            texts[str(path)] = json.dumps(pq.read_table(path).to_pylist(), default=str)
        elif path.is_file() and path.suffix in (".json", ".txt"):
            texts[str(path)] = path.read_text()
    for functionality in FUNCTIONALITIES[:3]:
        folder = tmp_path / "bundles" / functionality.name
        build_bundle(functionality, store, folder)
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in (".json", ".jsonl", ".md"):
                texts[str(path)] = path.read_text()
            elif path.suffix == ".parquet":
                texts[str(path)] = json.dumps(pq.read_table(path).to_pylist(), default=str)
    texts["dagster event log"] = "\n".join(dg.serialize_value(e) for e in instance.all_logs(result.run_id))
    assert len(texts) > 5
    for where, text in texts.items():
        for kind, secret in SECRETS.items():
            assert secret not in text, f"{kind} ({secret}) found in {where}"
    assert "[redacted]" in texts["dagster event log"] or any("[redacted]" in t for t in texts.values())


WORDPRESS = """<!doctype html><html lang="en"><head><title>Spring notes</title>
<link rel="canonical" href="http://brand.test/2024/05/spring-notes/">
<meta property="og:site_name" content="Brandwell"><meta property="og:url" content="http://brand.test/2024/05/spring-notes/">
<meta name="description" content="Notes from the spring, written for the Brandwell readers."></head>
<body><main><article><h1>Spring notes</h1>""" + "<p>What we saw in the garden this spring, and why it matters. </p>" * 20 + """
<form method="post" action="/wp-comments-post.php"><input type="hidden" name="_wp_http_referer" value="/2024/05/spring-notes/">
<input type="hidden" name="site" value="Brandwell"><label>Password <input type="password" name="pw" value="KeepThisSecret1"></label>
</form><a href="/2024/05/spring-notes/#comments">Comments</a></article></main></body></html>"""


@pytest.mark.slow
def test_redaction_masks_the_secret_fields_and_nothing_else(tmp_path):
    """A hidden field holding the page's own path and its brand name: every URL and record stays intact."""
    from minedag.capture import CaptureOptions, capture_urls
    from minedag.capture.politeness import PolitenessRules
    from minedag.profiles import all_profiles, extract_record
    from minedag.profiles.page import PageView
    from minedag_tests.local_server import HTML, local_server

    url = "http://brand.test/2024/05/spring-notes/"
    with local_server(lambda path: (200, HTML, WORDPRESS.encode())) as port:
        (cap,) = capture_urls([url], CaptureOptions(host_rules=f"MAP brand.test 127.0.0.1:{port}",
                                                    allow_hosts=("brand.test",), politeness=PolitenessRules(respect_robots=False)))
    assert cap.ok and cap.final_url == url
    assert "KeepThisSecret1" not in json.dumps(cap.to_dict())  # the password is masked...
    assert 'href="http://brand.test/2024/05/spring-notes/"' in cap.rendered_html and "Brandwell" in cap.raw_html
    assert [url + "#comments", ""] in [[h, r] for h, r in cap.links]  # ... and the page's own path is not
    view = PageView(cap)
    records = {name: extract_record(p, cap, "x", view=view) for name, p in all_profiles().items()}
    assert all(r["ok"] for r in records.values()), {n: r["error"] for n, r in records.items() if not r["ok"]}
    assert records["content_extractor"]["publisher"] == "Brandwell"
    assert "[redacted]" not in json.dumps(records["seo_optimizer"], default=str)
