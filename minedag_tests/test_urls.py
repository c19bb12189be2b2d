import pytest

from minedag.urlfile import parse_lines
from minedag.urls import SPECIAL_PURPOSE, InvalidURL, UrlPolicy, canonical_url


def test_canonical_url_normalises_case_port_fragment_and_query_order():
    assert canonical_url("HTTP://Shop.TEST:80/a?b=2&a=1#top") == "http://shop.test/a?a=1&b=2"
    assert canonical_url("https://example.com") == "https://example.com/"
    assert canonical_url("https://example.com:8443/x") == "https://example.com:8443/x"


@pytest.mark.parametrize("bad, why", [("", "empty"), ("ftp://x.org/f", "scheme"), ("http://", "malformed|no host"),
                                      ("http://a\x00b.test/", "control character"), ("http://u:p@a.test/", "credentials"),
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


def test_urls_are_parsed_as_the_browser_parses_them():
    assert canonical_url("http:///nohost") == "http://nohost/"  # WHATWG: Chromium loads http://nohost/
    assert canonical_url("http://127.0.0.2:18082\\@a.test/") == "http://127.0.0.2:18082/@a.test/"
    assert canonical_url("http://[2001:DB8::1]:8080/x") == "http://[2001:db8::1]:8080/x"
    assert canonical_url("http://0x7f.1/") == "http://127.0.0.1/"


def test_secret_query_parameters_never_reach_a_partition_key(monkeypatch):
    assert canonical_url("https://a.com/x?token=abc&page=2&Session=9") == "https://a.com/x?page=2"
    monkeypatch.setenv("MINEDAG_SECRET_PARAMS", "")
    assert canonical_url("https://a.com/x?token=abc") == "https://a.com/x?token=abc"


def test_url_lines_report_duplicates_and_rejects():
    parsed = parse_lines(["\ufeffhttp://bom.test/", "# comment", "http://a.test/", "HTTP://A.test/", "not a url", "",
                          "http://b.test/x  # note", "http://[2001:db8::1]/", "http://a\x00b.test/", "http://c.test/"])
    assert parsed.urls == ["http://bom.test/", "http://a.test/", "http://b.test/x", "http://[2001:db8::1]/", "http://c.test/"]
    assert parsed.duplicates == 1
    assert [n for n, _t, _r in parsed.rejected] == [5, 9]
    assert "control character" in parsed.rejected[1][2]


def test_a_rejected_url_line_is_reported_without_its_secret_parameters():
    """The URL sensor's tick log and the CLI print rejected lines: a token in one must not reach them."""
    from minedag.urlfile import parse_lines

    (rejected,) = parse_lines(["http://bad host.test/?token=LeakMe12345&api%5Fkey=AlsoSecret99#access_token=Frag00"]).rejected
    assert "LeakMe12345" not in str(rejected) and "AlsoSecret99" not in str(rejected) and "Frag00" not in str(rejected)
    assert "whitespace" in rejected[2] and "token=[redacted]" in rejected[1]


@pytest.mark.parametrize(("network", "name"), [(str(net), name) for net, name in SPECIAL_PURPOSE])
def test_every_special_purpose_range_is_refused(network, name):
    """Each entry of the table, at its first and last address (Python's is_global calls fec0::/10 global)."""
    import ipaddress

    from minedag.urls import address_refusal

    net = ipaddress.ip_network(network)
    for addr in (net.network_address + (1 if net.num_addresses > 1 else 0), net.broadcast_address):
        assert address_refusal(addr) is not None, (addr, name)


def test_site_local_and_ipv4_translated_addresses_are_refused_and_public_ones_are_not():
    import ipaddress

    from minedag.urls import UrlPolicy, address_refusal

    assert "site-local" in address_refusal(ipaddress.ip_address("fec0::1"))
    assert "10.0.0.1" in address_refusal(ipaddress.ip_address("::ffff:0:a00:1"))  # IPv4-translated 10.0.0.1
    assert address_refusal(ipaddress.ip_address("::ffff:0:808:808")) is None  # IPv4-translated 8.8.8.8: public
    assert address_refusal(ipaddress.ip_address("2606:4700::1")) is None
    with pytest.raises(InvalidURL, match="site-local"):
        UrlPolicy().check("http://[fec0::1]:8080/x")
