import pytest

from minedag.urlfile import parse_lines
from minedag.urls import InvalidURL, UrlPolicy, canonical_url


def test_canonical_url_normalises_case_port_fragment_and_query_order():
    assert canonical_url("HTTP://Shop.TEST:80/a?b=2&a=1#top") == "http://shop.test/a?a=1&b=2"
    assert canonical_url("https://example.com") == "https://example.com/"
    assert canonical_url("https://example.com:8443/x") == "https://example.com:8443/x"


@pytest.mark.parametrize("bad, why", [("", "empty"), ("ftp://x.org/f", "scheme"), ("http:///nohost", "no host"),
                                      ("http://a.com/x y", "whitespace"), ("http://a.com:99999/", "malformed"),
                                      ("javascript:alert(1)", "scheme")])
def test_malformed_urls_are_rejected_with_the_reason(bad, why):
    with pytest.raises(InvalidURL, match=why):
        canonical_url(bad)


def test_ssrf_guard_refuses_private_and_metadata_addresses_unless_allowed():
    policy = UrlPolicy()
    for url in ("http://127.0.0.1/", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data", "http://localhost:8080/"):
        with pytest.raises(InvalidURL, match="refused"):
            policy.check(url)
    UrlPolicy(("127.0.0.0/8",)).check("http://127.0.0.1/")
    UrlPolicy(("*.test",)).check("http://shop.test/")


def test_url_lines_report_duplicates_and_rejects():
    parsed = parse_lines(["# comment", "http://a.test/", "HTTP://A.test/", "not a url", "", "http://b.test/x  # note"])
    assert parsed.urls == ["http://a.test/", "http://b.test/x"]
    assert parsed.duplicates == 1
    assert [n for n, _t, _r in parsed.rejected] == [4]
