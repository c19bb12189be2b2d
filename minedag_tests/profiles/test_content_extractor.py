"""content_extractor on golden captures: the main text as Markdown, its language, and the article's metadata."""

import json

import pytest

from minedag.profiles import extract_record, get_profile
from minedag_tests.goldens import golden_record, html_capture, html_record


def test_the_main_text_as_markdown_its_language_and_the_article_metadata():
    from minedag.sample_site.build import POSTS, USERS

    (_pid, _slug, title, author_id, date, summary) = next(p for p in POSTS if p[1] == "accessible-forms")
    author = USERS[author_id - 1][2]
    post = golden_record("content_extractor", "http://blog.test/posts/accessible-forms")
    assert post["ok"] and post["quality"] >= 90, post["quality_reasons"]
    assert post["content_title"] == title  # <title> says "... — Northwind Blog"
    assert post["author"] == author and post["published"] == date
    assert post["language"] == "en"
    text = post["main_text"]
    assert f"# {title}" in text and summary in text  # Markdown, headings kept
    assert "Northwind" not in text  # the site's navigation and footer are boilerplate
    assert json.loads(post["urls"])["canonical"] == "http://blog.test/posts/accessible-forms"
    (posting,) = [v for v in json.loads(post["jsonld"]) if v["type"] == "BlogPosting"]
    assert posting["headline"] == title and posting["author"] == [author] and posting["date_published"] == date


def test_language_falls_back_to_the_header_then_the_text():
    german = ("<main><h1>Das Wetter morgen</h1><p>Morgen wird es in Norddeutschland sonnig und warm, im Süden ziehen am "
              "Nachmittag Gewitter auf. Die Temperaturen steigen auf bis zu dreißig Grad, in der Nacht kühlt es kaum ab.</p></main>")
    profile = get_profile("content_extractor")
    plain = html_capture(german, "http://lab.test/wetter", head="<title>Wetter</title>")
    assert extract_record(profile, plain)["language"] == "de"  # no lang attribute: identified from the text
    plain.response_headers = {"Content-Language": "de-AT"}
    assert extract_record(profile, plain)["language"] == "de-AT"


@pytest.mark.parametrize("notice", ["© 2001–11 The Widget Project", "Copyright 2001-2011 Widget Inc.", "&copy; 2019 Example"])
def test_a_copyright_notice_is_never_a_publication_or_modification_date(notice):
    text = "<p>" + "The widget library documents every function it offers in detail. " * 30 + "</p>"
    record = html_record("content_extractor", f"<main><h1>Widgets</h1>{text}</main><footer>{notice}</footer>",
                         "http://docs.site.test/widgets")
    assert record["published"] is None and record["modified"] is None
    dated = html_record("content_extractor", f"<main><h1>Widgets</h1><p>Posted on March 3, 2020.</p>{text}</main>"
                        f"<footer>{notice}</footer>", "http://docs.site.test/widgets")
    assert dated["published"] == "2020-03-03"  # a stated date still counts beside the notice
    new_year = html_record("content_extractor", f"<main><h1>Widgets</h1><p>Posted on January 1, 2019.</p>{text}</main>"
                           "<footer>© 2019 Example</footer>", "http://docs.site.test/widgets")
    assert new_year["published"] == "2019-01-01"  # January 1st stated in the page is a date, not the notice
