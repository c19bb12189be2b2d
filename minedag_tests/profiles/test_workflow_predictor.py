"""workflow_predictor on golden captures and hand-written articles: forms, action sequences, the primary CTA."""

import json

import pytest

from minedag_tests.goldens import golden_record, html_record


def test_a_multi_step_signup_is_typed_then_submitted():
    signup = golden_record("workflow_predictor", "http://people.test/signup")
    assert signup["form_purposes"] == ["signup"] and signup["multi_step"]
    ops = [s["op"] for s in json.loads(signup["action_sequences"])[0]]
    assert ops[0] == "TYPE" and ops[-1] == "CLICK"


def test_form_purposes_and_primary_ctas_across_the_sample_site():
    purposes = {url: golden_record("workflow_predictor", url)["form_purposes"] for url in (
        "http://shop.test/checkout", "http://shop.test/products/terra-mug", "http://people.test/users/ada", "http://app.test/settings")}
    assert purposes == {"http://shop.test/checkout": ["checkout"], "http://shop.test/products/terra-mug": ["cart"],
                        "http://people.test/users/ada": ["contact"], "http://app.test/settings": ["settings"]}
    ctas = {url: golden_record("workflow_predictor", url)["primary_cta"] for url in (
        "http://shop.test/", "http://shop.test/checkout", "http://blog.test/", "http://blog.test/posts/accessible-forms")}
    # An article's comment form is not a conversion.
    assert ctas == {"http://shop.test/": "Shop the catalog", "http://shop.test/checkout": "Continue to payment",
                    "http://blog.test/": "Subscribe", "http://blog.test/posts/accessible-forms": None}


_ARTICLE = "<p>" + "A long read about the ways teams ship software, with examples and numbers. " * 40 + "</p>"


@pytest.mark.parametrize(("body", "cta"), [
    (f"<article>{_ARTICLE}</article><section class='subscribe'><form><input type='email' name='email'>"
     "<input type='submit' value='YES!'></form></section>", "YES!"),
    (f"<article>{_ARTICLE}<div class='box'><a class='btn' href='/trial'>Start your free trial</a></div></article>", "Start your free trial"),
    (f"<article>{_ARTICLE}<div class='share'><a class='btn' href='#'>Share</a></div></article>"
     "<aside class='sidebar'><form><input type='email' name='email'><button>Subscribe</button></form></aside>", None),
    (f"<header><a class='btn' href='/signup'>Sign up</a></header><article>{_ARTICLE}"
     "<form><textarea name='comment'></textarea><button>Post comment</button></form></article>", None),
])
def test_the_primary_cta_of_an_article_is_a_conversion_in_or_right_after_it(body, cta):
    assert html_record("workflow_predictor", body)["primary_cta"] == cta


@pytest.mark.parametrize(("body", "purposes"), [
    # What the fields are decides first: one password is a login, two (or sign-up words) a sign-up.
    ("<form action='/session'><input name='user'><input type='password' name='pw'><button>Go</button></form>", ["login"]),
    ("<form><input type='email' name='email'><input type='password' name='pw'><input type='password' name='pw2'>"
     "<button>Continue</button></form>", ["signup"]),
    ("<form class='login'><label>E-Mail <input name='mail'></label><input type='password' name='p'>"
     "<button>Konto erstellen</button></form>", ["signup"]),
    ("<form id='connexion'><input name='identifiant'><input type='password' name='mdp'><button>Se connecter</button></form>",
     ["login"]),
    # A search box by its type, its field name, or its names in another language; also outside any form.
    ("<form action='/'><input name='s'><button>Go</button></form>", ["search"]),
    ("<form class='suche'><input type='text' name='begriff' placeholder='Suchen...'></form>", ["search"]),
    ("<div class='header'><input type='search' aria-label='Site search'></div>", ["search"]),
    # A newsletter box is not a search box, and a comment form with a password-less name field is a comment form.
    ("<form><input type='email' name='email' placeholder='Your e-mail'><button>Subscribe to our newsletter</button></form>",
     ["newsletter"]),
    ("<form id='commentform'><input name='author'><textarea name='comment'></textarea><button>Post comment</button></form>",
     ["comment"]),
])
def test_form_purposes_come_from_the_fields_first_then_the_words_in_any_language(body, purposes):
    assert html_record("workflow_predictor", body)["form_purposes"] == purposes
