"""Write the bundled sample site into ``data/site/<host>/`` (run: ``python -m minedag.sample_site.build``).

Pages are generated from the small data tables below so that they stay consistent (the same user ids
appear on profiles, comments and orders). Some pages carry deliberate SEO, accessibility and design
mistakes; ``MISTAKES`` lists them, and the tests use that list as ground truth.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

HOSTS = ("shop.test", "blog.test", "people.test", "docs.test", "app.test")

USERS = [
    (1, "ada", "Ada Lovelace", "Analyst, writes about engines and numbers."),
    (2, "grace", "Grace Hopper", "Compiler pioneer and naval officer."),
    (3, "alan", "Alan Turing", "Thinks about machines that think."),
    (4, "katherine", "Katherine Johnson", "Computes trajectories by hand and by machine."),
    (5, "edsger", "Edsger Dijkstra", "Prefers structured programs and short paths."),
    (6, "barbara", "Barbara Liskov", "Designs abstractions that can be substituted."),
    (7, "donald", "Donald Knuth", "Typesets books and analyses algorithms."),
    (8, "margaret", "Margaret Hamilton", "Led software for lunar landings."),
]
PRODUCTS = [
    (101, "aurora-lamp", "Aurora Desk Lamp", 49.0, "Lighting", "A dimmable LED desk lamp with a warm-to-cool range."),
    (102, "nimbus-chair", "Nimbus Office Chair", 289.0, "Furniture", "Breathable mesh chair with adjustable lumbar support."),
    (103, "terra-mug", "Terra Stoneware Mug", 18.5, "Kitchen", "Hand-glazed 350 ml mug, dishwasher safe."),
    (104, "pulse-headphones", "Pulse Wireless Headphones", 159.0, "Audio", "Noise-cancelling headphones with 30 h battery."),
    (105, "atlas-backpack", "Atlas Travel Backpack", 119.0, "Bags", "35 l carry-on backpack with a laptop sleeve."),
    (106, "fjord-blanket", "Fjord Wool Blanket", 89.0, "Home", "Merino wool throw woven in Norway."),
    (107, "ember-kettle", "Ember Electric Kettle", 65.0, "Kitchen", "Gooseneck kettle with temperature presets."),
    (108, "orbit-speaker", "Orbit Bluetooth Speaker", 79.0, "Audio", "Water-resistant speaker with 360° sound."),
    (109, "sierra-bottle", "Sierra Steel Bottle", 29.0, "Outdoor", "Insulated bottle that keeps drinks cold 24 h."),
    (110, "quill-notebook", "Quill Dotted Notebook", 14.0, "Stationery", "A5 notebook with 160 numbered pages."),
]
POSTS = [
    (201, "designing-for-focus", "Designing for focus", 1, "2026-03-02", "How fewer choices on a page lead to faster decisions."),
    (202, "accessible-forms", "Accessible forms in practice", 6, "2026-03-19", "Labels, errors and focus order that work for everyone."),
    (203, "core-web-vitals", "What Core Web Vitals measure", 4, "2026-04-07", "LCP, CLS and INP explained with real traces."),
    (204, "design-tokens", "Design tokens at scale", 2, "2026-05-11", "Turning a palette and a type scale into shared tokens."),
    (205, "structured-data", "Structured data that search engines read", 3, "2026-06-01", "JSON-LD, microdata and what each is good for."),
    (206, "checkout-friction", "Removing friction from checkout", 8, "2026-06-23", "Every extra step loses buyers; measure them."),
    (207, "dark-patterns", "Dark patterns and how to avoid them", 5, "2026-07-15", "Pre-checked boxes, fake timers and confirm-shaming."),
    (208, "layer-compositing", "A tour of browser compositing layers", 7, "2026-08-04", "will-change, 3D transforms and the cost of layers."),
]
DOCS = [
    ("getting-started", "Getting started", "Install the SDK and make a first request."),
    ("authentication", "Authentication", "API keys, OAuth tokens and their scopes."),
    ("orders-api", "Orders API", "Create, list and cancel orders."),
    ("users-api", "Users API", "Read and update user accounts."),
    ("webhooks", "Webhooks", "Receive events when orders change state."),
    ("rate-limits", "Rate limits", "How many requests you may send and what happens after."),
    ("errors", "Errors", "Every error code with its meaning and fix."),
    ("changelog", "Changelog", "What changed in each release."),
]
ORDERS = [(5001, 1, 101, "shipped", 49.0), (5002, 2, 104, "processing", 159.0), (5003, 3, 102, "delivered", 289.0),
          (5004, 1, 107, "cancelled", 65.0), (5005, 5, 110, "shipped", 14.0), (5006, 8, 105, "processing", 119.0)]

# Deliberate mistakes: url -> list of mistake tags (ground truth for tests and the eval).
MISTAKES: dict[str, list[str]] = {}


def _mark(url: str, *tags: str) -> None:
    MISTAKES.setdefault(url, []).extend(tags)


# The UX classes each page was built to show (``overlays`` and ``dark_patterns`` labels); every other page shows none.
SHOWS: dict[str, list[str]] = {}


def _shows(url: str, *classes: str) -> None:
    SHOWS.setdefault(url, []).extend(classes)


# Page types by construction (``../shared/labels`` defines them); pages that fit no type cleanly are not labelled.
_PAGE_TYPES = ((r"^http://[a-z]+\.test/$", "home"), (r"/products/", "product"), (r"/catalog$|/archive$", "listing"),
               (r"/posts/", "article"), (r"/users/", "profile"), (r"/guides/|/reference/|/internal/", "docs"),
               (r"/signup$|/login$|/settings$|/checkout$", "form"))


def ux_labels(urls: list[str]) -> dict[str, Any]:
    """What each sample page is and shows, by construction: the answers the UX targets are measured against."""
    pages = {}
    for url in urls:
        kind = next((name for pattern, name in _PAGE_TYPES if re.search(pattern, url)), None)
        shows = SHOWS.get(url, [])
        pages[url] = {"page_type": kind, "overlays": sorted(c for c in shows if c in ("modal", "cookie-banner")),
                      "dark_patterns": sorted(c for c in shows if c not in ("modal", "cookie-banner"))}
    return {"about": "Built to be so by minedag/sample_site/build.py: page_type by what the page was made as (null: "
                     "no clean type, not scored); overlays and dark_patterns: the classes built into the page on "
                     "purpose (positives), every other page has none (it may hold near misses on purpose: a closed "
                     "dialog, a 'remember me' box, publication times, a cookie-policy link).",
            "pages": pages}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def page(host: str, path: str, title: str, body: str, *, description: str | None = "", canonical: str | None = "",
         jsonld: list[dict] | None = None, og: bool = True, lang: str | None = "en", extra_head: str = "",
         nav: list[tuple[str, str]] | None = None, robots: str = "") -> str:
    """One HTML document in the shared layout (fixed header, nav, footer)."""
    url = f"http://{host}{path}"
    desc = description if description != "" else f"{title} on {host.split('.')[0].title()} by Northwind."
    head = ['<meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(title)}</title>"]
    if desc is not None:
        head.append(f'<meta name="description" content="{_e(desc)}">')
    if robots:
        head.append(f'<meta name="robots" content="{_e(robots)}">')
    if canonical is not None:
        head.append(f'<link rel="canonical" href="{_e(canonical or url)}">')
    if og:
        head += [f'<meta property="og:title" content="{_e(title)}">', f'<meta property="og:url" content="{_e(url)}">',
                 '<meta property="og:type" content="website">', f'<meta property="og:site_name" content="Northwind {host.split(".")[0].title()}">',
                 '<meta name="twitter:card" content="summary_large_image">', f'<meta name="twitter:title" content="{_e(title)}">']
    head.append('<link rel="stylesheet" href="/assets/site.css">')
    for item in jsonld or []:
        head.append(f'<script type="application/ld+json">{json.dumps(item, indent=1)}</script>')
    head.append(extra_head)
    links = nav or [("/", "Home")]
    nav_html = "".join(f'<li><a href="{_e(h)}">{_e(t)}</a></li>' for h, t in links)
    lang_attr = f' lang="{lang}"' if lang else ""
    return f"""<!doctype html>
<html{lang_attr}>
<head>
{chr(10).join(head)}
</head>
<body>
<header class="site-header">
  <a class="logo" href="/">Northwind {_e(host.split('.')[0].title())}</a>
  <button class="menu-toggle" aria-label="Open menu" aria-expanded="false" aria-controls="site-nav">&#9776;</button>
  <nav class="site-nav" id="site-nav" aria-label="Main"><ul>{nav_html}</ul></nav>
</header>
<main id="content">
{body}
</main>
<footer class="site-footer">
  <ul><li><a href="http://shop.test/">Shop</a></li><li><a href="http://blog.test/">Blog</a></li><li><a href="http://people.test/">People</a></li><li><a href="http://docs.test/">Docs</a></li><li><a href="http://app.test/">App</a></li></ul>
  <p>&copy; 2026 Northwind Labs. Sample content for minedag.</p>
</footer>
</body>
</html>
"""


def shop() -> dict[str, str]:
    nav = [("/", "Home"), ("/catalog", "Catalog"), ("/search", "Search"), ("/cart", "Cart")]
    host, pages = "shop.test", {}
    cards = "".join(
        f'<article class="card" data-product-id="{pid}"><img src="/assets/img/{slug}.svg" alt="{_e(name)}" width="240" height="160">'
        f'<h3><a href="/products/{slug}">{_e(name)}</a></h3><p class="price">${price:.2f}</p>'
        f'<button class="btn btn-primary" data-action="add-to-cart" data-product-id="{pid}">Add to cart</button></article>'
        for pid, slug, name, price, _cat, _d in PRODUCTS)
    org = {"@context": "https://schema.org", "@type": "Organization", "name": "Northwind Shop", "url": "http://shop.test/"}
    pages["/"] = page(host, "/", "Northwind Shop — considered goods for work and home", f"""
<section class="hero"><div class="orb" aria-hidden="true"></div><h1>Considered goods for work and home</h1>
<p>Free shipping over $50. Thirty-day returns.</p><a class="btn btn-cta" href="/catalog">Shop the catalog</a></section>
<h2>Best sellers</h2><div class="grid">{cards[: cards.find('</article>', cards.find('</article>') + 1) + 10]}</div>
<h2>Newsletter</h2><form action="/subscribe" method="post"><div class="field"><label for="nl-email">Email</label>
<input id="nl-email" name="email" type="email" required autocomplete="email"></div><button class="btn btn-primary" type="submit">Subscribe</button></form>
<div id="consent-manager" class="cmp-container" role="dialog" aria-label="Privacy choices"><p>We and our 12 partners store and
access cookies on your device to measure ads and personalise content.</p><button class="btn btn-primary" type="button">Accept all cookies</button>
<button class="btn btn-secondary" type="button">Reject all</button></div>""",
        jsonld=[org], nav=nav)
    _shows("http://shop.test/", "cookie-banner")
    pages["/catalog"] = page(host, "/catalog", "Catalog — Northwind Shop", f"""
<nav class="breadcrumbs" aria-label="Breadcrumb"><ol><li><a href="/">Home</a></li><li aria-current="page">Catalog</li></ol></nav>
<h1>Catalog</h1><div class="tabs"><div role="tablist" aria-label="Categories"><button role="tab" aria-selected="true" aria-controls="all" id="tab-all">All</button>
<button role="tab" aria-selected="false" aria-controls="audio" id="tab-audio">Audio</button><button role="tab" aria-selected="false" aria-controls="kitchen" id="tab-kitchen">Kitchen</button></div>
<div role="tabpanel" id="all" aria-labelledby="tab-all"><div class="grid">{cards}</div></div></div>
<p class="sale-banner">Winter sale: <strong><span id="sale-clock">Sale ends in 2h 14m</span></strong></p>
<script>let left=8040;setInterval(()=>{{left-=60;document.getElementById('sale-clock').textContent='Sale ends in '+Math.floor(left/3600)+'h '+Math.floor(left%3600/60)+'m';}},60000);</script>""", nav=nav)
    _shows("http://shop.test/catalog", "countdown-timer")
    for i, (pid, slug, name, price, cat, desc) in enumerate(PRODUCTS):
        path = f"/products/{slug}"
        url = f"http://{host}{path}"
        product = {"@context": "https://schema.org", "@type": "Product", "name": name, "sku": f"NW-{pid}", "description": desc,
                   "category": cat, "image": f"http://shop.test/assets/img/{slug}.svg",
                   "offers": {"@type": "Offer", "price": f"{price:.2f}", "priceCurrency": "USD", "availability": "https://schema.org/InStock"},
                   "aggregateRating": {"@type": "AggregateRating", "ratingValue": 4.0 + (i % 10) / 10, "reviewCount": 10 + i * 7}}
        alt = f'alt="{_e(name)}"'
        canonical = ""
        style_break = ""
        if i in (2, 7):
            alt = ""
            _mark(url, "image-alt")
        if i == 4:
            canonical = f"products/{slug}"
            _mark(url, "canonical")
        if i == 5:
            canonical = "http://elsewhere.example/fjord"
            _mark(url, "canonical")
        if i in (3, 8):
            style_break = '<p style="color:#ff00aa; margin:13px 7px; font-size:15px; font-family:Comic Sans MS, cursive">Limited edition colourway!</p>'
            _mark(url, "off-scale-style")
        related = "".join([f'<li><a href="/products/{s}">{_e(n)}</a></li>' for _p, s, n, *_ in PRODUCTS if s != slug][:3])
        pages[path] = page(host, path, f"{name} — Northwind Shop", f"""
<nav class="breadcrumbs" aria-label="Breadcrumb"><ol><li><a href="/">Home</a></li><li><a href="/catalog">Catalog</a></li><li aria-current="page">{_e(name)}</li></ol></nav>
<article class="product" data-product-id="{pid}" itemscope itemtype="https://schema.org/Product">
<h1 itemprop="name">{_e(name)}</h1><img src="/assets/img/{slug}.svg" {alt} width="480" height="320">
<p itemprop="description">{_e(desc)}</p><p class="price" itemprop="offers" itemscope itemtype="https://schema.org/Offer">
<span itemprop="priceCurrency" content="USD">$</span><span itemprop="price" content="{price:.2f}">{price:.2f}</span></p>
{style_break}
<form action="/cart" method="post" class="add-to-cart"><input type="hidden" name="product_id" value="{pid}">
<div class="field"><label for="qty">Quantity</label><select id="qty" name="quantity"><option>1</option><option>2</option><option>3</option></select></div>
<button class="btn btn-primary" type="submit">Add to cart</button></form></article>
<section><h2>Reviews</h2><div class="comment" data-review-id="{pid * 10}" data-user-id="{USERS[i % 8][0]}"><p class="author">{_e(USERS[i % 8][2])}</p><p>Exactly as described, would buy again.</p></div></section>
<section><h2>You may also like</h2><ul>{related}</ul></section>""", jsonld=[product], canonical=canonical, nav=nav)
    pages["/search"] = page(host, "/search", "Search — Northwind Shop", """
<h1>Search the shop</h1><form action="/search" method="get" role="search"><input type="search" name="q" placeholder="Search products">
<select name="category"><option value="">All categories</option><option>Audio</option><option>Kitchen</option></select>
<button class="btn btn-primary" type="submit">Search</button></form><p class="muted">Type at least two letters.</p>""", nav=nav)
    _mark("http://shop.test/search", "label")
    pages["/cart"] = page(host, "/cart", "Your cart — Northwind Shop", """
<h1>Your cart</h1><table><caption>Items in your cart</caption><thead><tr><th scope="col">Product</th><th scope="col">Qty</th><th scope="col">Price</th></tr></thead>
<tbody><tr data-product-id="101"><td>Aurora Desk Lamp</td><td>1</td><td>$49.00</td></tr><tr data-product-id="103"><td>Terra Stoneware Mug</td><td>2</td><td>$37.00</td></tr></tbody></table>
<a class="btn btn-cta" href="/checkout">Proceed to checkout</a>""", nav=nav)
    pages["/checkout"] = page(host, "/checkout", "Checkout — Northwind Shop", """
<h1>Checkout</h1><ol class="steps" aria-label="Checkout progress"><li aria-current="step">1. Shipping</li><li>2. Payment</li><li>3. Review</li></ol>
<form action="/checkout/payment" method="post" id="checkout-form" data-order-id="5007">
<fieldset><legend>Shipping address</legend>
<div class="field"><label for="full-name">Full name</label><input id="full-name" name="full_name" autocomplete="name" required></div>
<div class="field"><label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" required></div>
<div class="field"><label for="address">Street address</label><input id="address" name="address" autocomplete="street-address" required></div>
<div class="field"><label for="postcode">Postcode</label><input id="postcode" name="postcode" pattern="[0-9A-Za-z ]{3,10}" required></div>
<div class="field"><label for="country">Country</label><select id="country" name="country" required><option value="NO">Norway</option><option value="US">United States</option></select></div>
</fieldset>
<label><input type="checkbox" name="insurance" checked> Add shipping insurance ($4.99)</label>
<button class="btn btn-primary" type="submit">Continue to payment</button></form>""", nav=nav)
    _mark("http://shop.test/checkout", "pre-checked")
    _shows("http://shop.test/checkout", "pre-checked-box")
    return pages


def blog() -> dict[str, str]:
    host, pages = "blog.test", {}
    nav = [("/", "Home"), ("/archive", "Archive"), ("/about", "About")]
    items = "".join(f'<article class="card" data-post-id="{pid}"><h2><a href="/posts/{slug}">{_e(t)}</a></h2><p class="muted">{d}</p><p>{_e(s)}</p></article>'
                    for pid, slug, t, _a, d, s in POSTS)
    pages["/"] = page(host, "/", "Northwind Blog — notes on building for the web", f"""
<section class="hero"><div class="orb" aria-hidden="true"></div><h1>Notes on building for the web</h1><p>Design, accessibility and performance, weekly.</p></section>
<div class="grid">{items}</div>
<div class="modal-backdrop" id="newsletter-popup"><div class="modal" role="dialog" aria-modal="true" aria-labelledby="np-title">
<h2 id="np-title">Get the weekly notes</h2><form action="/subscribe" method="post"><div class="field"><label for="np-email">Email</label>
<input id="np-email" name="email" type="email" required></div><button class="btn btn-primary" type="submit">Subscribe</button></form>
<button class="btn btn-secondary" type="button">No thanks, I don't like reading good advice</button></div></div>""", nav=nav,
        jsonld=[{"@context": "https://schema.org", "@type": "Blog", "name": "Northwind Blog", "url": "http://blog.test/"}])
    _shows("http://blog.test/", "modal", "confirmshaming")
    pages["/archive"] = page(host, "/archive", "Archive — Northwind Blog", "<h1>Archive</h1><ul>" + "".join(
        f'<li data-post-id="{pid}"><a href="/posts/{slug}">{_e(t)}</a> <span class="muted">{d}</span></li>' for pid, slug, t, _a, d, _s in POSTS) + "</ul>", nav=nav)
    pages["/about"] = page(host, "/about", "About", """
<h1>About this blog</h1><p style="color:#b8b8b8">Written by the people at Northwind Labs. We publish every Tuesday.</p>
<p><a href="/posts/designing-for-focus">click here</a> to read our first post.</p>""", nav=nav, description=None, og=False)
    _mark("http://blog.test/about", "color-contrast", "meta-description", "link-text")
    for i, (pid, slug, title, author_id, date, summary) in enumerate(POSTS):
        path = f"/posts/{slug}"
        url = f"http://{host}{path}"
        author = USERS[author_id - 1]
        commenters = [USERS[(i + k + 1) % 8] for k in range(2 + i % 3)]
        comments = "".join(
            f'<div class="comment" id="{"comments" if i == 1 else f"c{pid}-{k}"}" data-comment-id="{pid * 100 + k}" data-user-id="{u[0]}">'
            f'<p class="author"><a href="http://people.test/users/{u[1]}">{_e(u[2])}</a></p><p>Thanks, this was useful for our team.</p></div>'
            for k, u in enumerate(commenters))
        if i == 1:
            _mark(url, "duplicate-id")
        posting = {"@context": "https://schema.org", "@type": "BlogPosting", "headline": title, "datePublished": date,
                   "author": {"@type": "Person", "name": author[2], "url": f"http://people.test/users/{author[1]}"},
                   "description": summary, "mainEntityOfPage": url}
        heading = f"<h1>{_e(title)}</h1>"
        if i == 4:
            heading = f"<h1>{_e(title)}</h1><h4>Why it matters</h4>"
            _mark(url, "heading-order")
        paragraphs = "".join(f"<p>{_e(summary)} Paragraph {n + 1} explores the idea with an example from a real project, "
                             "what we measured before and after, and what we would do differently next time.</p>" for n in range(4 + i % 3))
        pages[path] = page(host, path, f"{title} — Northwind Blog", f"""
<nav class="breadcrumbs" aria-label="Breadcrumb"><ol><li><a href="/">Blog</a></li><li aria-current="page">{_e(title)}</li></ol></nav>
<article data-post-id="{pid}" data-user-id="{author[0]}">{heading}
<p class="muted">By <a href="http://people.test/users/{author[1]}" rel="author">{_e(author[2])}</a> on <time datetime="{date}T08:02">{date}, 8:02 pm</time></p>
{paragraphs}
<section aria-labelledby="comments-title"><h2 id="comments-title">Comments</h2>{comments}
<form action="/comments" method="post"><input type="hidden" name="post_id" value="{pid}"><div class="field"><label for="comment-body">Your comment</label>
<textarea id="comment-body" name="body" required minlength="3"></textarea></div>
<p class="comment-form-cookies-consent"><input id="remember-{pid}" name="remember" type="checkbox" checked> <label for="remember-{pid}">Save my name in this browser for the next time I comment.</label></p>
<button class="btn btn-primary" type="submit">Post comment</button></form></section>
</article>""", jsonld=[posting], nav=nav)
    return pages


def people() -> dict[str, str]:
    host, pages = "people.test", {}
    nav = [("/", "Directory"), ("/signup", "Sign up"), ("/login", "Log in")]
    rows = "".join(f'<tr data-user-id="{uid}"><td><a href="/users/{h}">{_e(n)}</a></td><td>@{h}</td><td>{_e(b)}</td></tr>' for uid, h, n, b in USERS)
    pages["/"] = page(host, "/", "People directory — Northwind", f"""
<h1>People directory</h1><table><caption>Everyone at Northwind</caption><thead><tr><th scope="col">Name</th><th scope="col">Handle</th><th scope="col">Bio</th></tr></thead><tbody>{rows}</tbody></table>""", nav=nav)
    for i, (uid, handle, name, bio) in enumerate(USERS):
        path = f"/users/{handle}"
        url = f"http://{host}{path}"
        posts = "".join(f'<li data-post-id="{pid}"><a href="http://blog.test/posts/{slug}">{_e(t)}</a></li>' for pid, slug, t, a, *_ in POSTS if a == uid)
        orders = "".join(f'<li data-order-id="{oid}">Order #{oid} — {st}</li>' for oid, u, _p, st, _t in ORDERS if u == uid)
        img_alt = f'alt="Portrait of {_e(name)}"' if i != 3 else ""
        if i == 3:
            _mark(url, "image-alt")
        desc = "" if i != 6 else None
        if i == 6:
            _mark(url, "meta-description")
        pages[path] = page(host, path, f"{name} (@{handle}) — Northwind People", f"""
<article class="profile" data-user-id="{uid}" itemscope itemtype="https://schema.org/Person">
<img class="avatar" src="/assets/img/avatar-{handle}.svg" {img_alt} width="96" height="96">
<h1 itemprop="name">{_e(name)}</h1><p itemprop="description">{_e(bio)}</p><p>Handle: <span itemprop="alternateName">@{handle}</span></p>
<meta itemprop="url" content="{url}">
<button class="btn btn-primary" data-action="follow" data-user-id="{uid}">Follow</button>
<button class="btn btn-secondary" data-action="message" data-user-id="{uid}" aria-haspopup="dialog" aria-controls="message-modal">Message</button>
<h2>Posts</h2><ul>{posts or '<li>No posts yet.</li>'}</ul><h2>Recent orders</h2><ul>{orders or '<li>No orders.</li>'}</ul></article>
<div class="modal-backdrop" id="message-modal" hidden><div class="modal" role="dialog" aria-modal="true" aria-labelledby="msg-title">
<h2 id="msg-title">Message {_e(name)}</h2><form action="/messages" method="post"><input type="hidden" name="recipient_id" value="{uid}">
<div class="field"><label for="msg-body">Message</label><textarea id="msg-body" name="body" required></textarea></div>
<button class="btn btn-primary" type="submit">Send</button> <button class="btn btn-secondary" type="button" data-action="close">Cancel</button></form></div></div>""",
            nav=nav, description=desc)
    pages["/signup"] = page(host, "/signup", "Sign up — Northwind People", """
<h1>Create your account</h1><ol class="steps" aria-label="Sign-up progress"><li aria-current="step">Account</li><li>Profile</li><li>Done</li></ol>
<form action="/signup" method="post" id="signup-form" novalidate>
<div class="field"><label for="su-name">Full name</label><input id="su-name" name="name" autocomplete="name" required></div>
<div class="field"><label for="su-email">Email</label><input id="su-email" name="email" type="email" autocomplete="email" required></div>
<div class="field"><label for="su-username">Username</label><input id="su-username" name="username" pattern="[a-z0-9_]{3,20}" required></div>
<div class="field"><label for="su-password">Password</label><input id="su-password" name="password" type="password" minlength="12" autocomplete="new-password" required></div>
<div class="field"><label for="su-birth">Date of birth</label><input id="su-birth" name="birth_date" type="date"></div>
<label><input type="checkbox" name="newsletter" checked> Send me product news and offers</label>
<label><input type="checkbox" name="terms" required> I accept the <a href="/terms">terms</a></label>
<button class="btn btn-cta" type="submit">Sign up</button></form>""", nav=nav)
    _mark("http://people.test/signup", "pre-checked")
    _shows("http://people.test/signup", "pre-checked-box")
    pages["/login"] = page(host, "/login", "Log in — Northwind People", """
<h1>Log in</h1><form action="/login" method="post"><div class="field"><label for="li-email">Email</label><input id="li-email" name="email" type="email" required></div>
<div class="field"><label for="li-password">Password</label><input id="li-password" name="password" type="password" required></div>
<p><input id="li-remember" name="remember" type="checkbox" checked> <label for="li-remember">Remember me</label></p>
<button class="btn btn-primary" type="submit">Log in</button> <a href="/signup">Create an account</a></form>""", nav=nav)
    return pages


def docs() -> dict[str, str]:
    host, pages = "docs.test", {}
    nav = [("/", "Docs"), ("/guides/getting-started", "Guides"), ("/reference/errors", "Reference")]
    side = "".join(f'<li><a href="/guides/{s}">{_e(t)}</a></li>' for s, t, _ in DOCS)
    pages["/"] = page(host, "/", "Northwind API documentation", f"""
<h1>Northwind API documentation</h1><p>Everything you need to integrate with the Northwind shop, blog and people APIs.</p>
<div class="grid">{''.join(f'<a class="card" href="/guides/{s}"><h2>{_e(t)}</h2><p>{_e(d)}</p></a>' for s, t, d in DOCS[:6])}</div>""", nav=nav)
    for i, (slug, title, summary) in enumerate(DOCS):
        path = f"/guides/{slug}"
        url = f"http://{host}{path}"
        crumbs = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Docs", "item": "http://docs.test/"},
            {"@type": "ListItem", "position": 2, "name": title, "item": url}]}
        table = ""
        if slug in ("orders-api", "users-api", "errors", "rate-limits"):
            table = """<table><caption>Fields</caption><thead><tr><th scope="col">Field</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead>
<tbody><tr><td><code>id</code></td><td>integer</td><td>Unique identifier</td></tr><tr><td><code>created_at</code></td><td>string</td><td>ISO 8601 timestamp</td></tr>
<tr><td><code>status</code></td><td>string</td><td>Current state</td></tr></tbody></table>"""
        desc = "" if i % 3 else None
        if desc is None:
            _mark(url, "meta-description")
        hreflang = ""
        if slug == "getting-started":
            hreflang = f'<link rel="alternate" hreflang="en" href="{url}"><link rel="alternate" hreflang="de" href="http://docs.test/de{path}"><link rel="alternate" hreflang="x-default" href="{url}">'
        if slug == "webhooks":
            hreflang = '<link rel="alternate" hreflang="english" href="http://docs.test/guides/webhooks">'
            _mark(url, "hreflang")
        pages[path] = page(host, path, f"{title} — Northwind Docs", f"""
<nav class="breadcrumbs" aria-label="Breadcrumb"><ol><li><a href="/">Docs</a></li><li aria-current="page">{_e(title)}</li></ol></nav>
<div class="layout-sidebar"><aside class="sidebar" aria-label="Guides"><ul>{side}</ul></aside><article>
<h1>{_e(title)}</h1><p>{_e(summary)}</p><h2>Overview</h2><p>This guide walks through {_e(title.lower())} step by step, with examples in curl and Python.</p>
<pre><code>curl -H "Authorization: Bearer $TOKEN" https://api.northwind.test/v1/{slug}</code></pre>{table}
<h2>Next steps</h2><p>Continue with <a href="/guides/{DOCS[(i + 1) % len(DOCS)][0]}">{_e(DOCS[(i + 1) % len(DOCS)][1])}</a>.</p></article></div>""",
            nav=nav, jsonld=[crumbs], description=desc, extra_head=hreflang)
    pages["/reference/errors"] = page(host, "/reference/errors", "Error reference — Northwind Docs", """
<h1>Error reference</h1><table><thead><tr><th>Code</th><th>Meaning</th></tr></thead><tbody><tr><td>400</td><td>Bad request</td></tr>
<tr><td>401</td><td>Missing or invalid token</td></tr><tr><td>429</td><td>Too many requests</td></tr></tbody></table>""", nav=nav)
    pages["/internal/draft"] = page(host, "/internal/draft", "Draft — do not index", "<h1>Draft</h1><p>Work in progress.</p>", nav=nav, robots="noindex, nofollow")
    _mark("http://docs.test/internal/draft", "is-crawlable")
    return pages


def app() -> dict[str, str]:
    host, pages = "app.test", {}
    nav = [("/", "Home"), ("/dashboard", "Dashboard"), ("/pricing", "Pricing"), ("/settings", "Settings")]
    pages["/"] = page(host, "/", "Northwind App — run your shop from one place", """
<section class="hero"><div class="orb" aria-hidden="true"></div><h1>Run your shop from one place</h1><p>Orders, customers and payouts in one dashboard.</p>
<a class="btn btn-cta" href="/pricing">Start free trial</a> <a class="btn btn-secondary" href="/dashboard">See a demo</a></section>
<div class="carousel" aria-label="Customer stories">""" + "".join(f'<figure class="card"><blockquote>"Saved us hours every week."</blockquote><figcaption>{_e(u[2])}</figcaption></figure>' for u in USERS[:5]) + """</div>
<div class="cookie-banner" role="region" aria-label="Cookie consent"><p>We use cookies to improve your experience.</p><button class="btn btn-primary">Accept all</button><a href="/privacy" style="font-size:10px;color:#777">Manage preferences</a></div>""",
        nav=nav, jsonld=[{"@context": "https://schema.org", "@type": "SoftwareApplication", "name": "Northwind App", "applicationCategory": "BusinessApplication",
                          "offers": {"@type": "Offer", "price": "0", "priceCurrency": "USD"}}])
    rows = "".join(f'<tr data-order-id="{oid}" data-user-id="{uid}" data-product-id="{pid}"><td>#{oid}</td><td><a href="http://people.test/users/{USERS[uid - 1][1]}">{_e(USERS[uid - 1][2])}</a></td>'
                   f'<td>{st}</td><td>${tot:.2f}</td><td><button class="btn btn-secondary" data-action="view-order" data-order-id="{oid}">View</button></td></tr>'
                   for oid, uid, pid, st, tot in ORDERS)
    pages["/dashboard"] = page(host, "/dashboard", "Dashboard — Northwind App", f"""
<h1>Dashboard</h1><div class="grid"><div class="card"><h2>Revenue</h2><p class="price">$695.00</p></div><div class="card"><h2>Orders</h2><p class="price">6</p></div>
<div class="card"><h2>Refunds</h2><p class="price">1</p></div></div><div class="spinner" role="status" aria-label="Refreshing"></div>
<h2>Recent orders</h2><table><caption>Orders in the last 30 days</caption><thead><tr><th scope="col">Order</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col">Total</th><th scope="col">Actions</th></tr></thead><tbody>{rows}</tbody></table>
<div class="modal-backdrop" id="order-modal"><div class="modal" role="dialog" aria-modal="true" aria-labelledby="om-title"><h2 id="om-title">Order #5001</h2>
<p>Shipped to Ada Lovelace.</p><button class="btn btn-primary" data-action="close">Close</button></div></div>""", nav=nav)
    pages["/pricing"] = page(host, "/pricing", "Pricing — Northwind App", """
<h1>Pricing</h1><p class="countdown" data-countdown="600">Offer ends in 09:59</p>
<div class="grid"><div class="card"><h2>Starter</h2><p class="price">$0</p><a class="btn btn-secondary" href="/signup?plan=starter">Choose Starter</a></div>
<div class="card" style="border:3px solid #e8590c; padding:22px; border-radius:11px"><h2>Pro</h2><p class="price">$29</p><a class="btn btn-cta" href="/signup?plan=pro">Choose Pro</a></div>
<div class="card"><h2>Team</h2><p class="price">$99</p><a class="btn btn-secondary" href="/signup?plan=team">Choose Team</a></div></div>
<p><a href="/pricing#faq"><img src="/assets/img/question.svg" width="16" height="16"></a></p>
<script>let s=600;const el=document.querySelector('[data-countdown]');setInterval(()=>{s=Math.max(0,s-1);el.textContent='Offer ends in '+String(Math.floor(s/60)).padStart(2,'0')+':'+String(s%60).padStart(2,'0');},1000);</script>""", nav=nav)
    _mark("http://app.test/pricing", "countdown", "off-scale-style", "link-name")
    _shows("http://app.test/pricing", "countdown-timer")
    _shows("http://app.test/", "cookie-banner", "hidden-opt-out")
    _shows("http://app.test/dashboard", "modal")
    pages["/settings"] = page(host, "/settings", "Settings — Northwind App", """
<h1>Settings</h1><form action="/settings" method="post" data-user-id="1"><div class="field"><label for="st-name">Display name</label><input id="st-name" name="display_name" value="Ada"></div>
<div class="field"><input id="st-phone" name="phone" type="tel" placeholder="Phone"></div>
<div class="field"><label for="st-tz">Time zone</label><select id="st-tz" name="timezone"><option>Europe/Oslo</option><option>UTC</option></select></div>
<div tabindex="3" class="card">Keyboard shortcuts are on.</div>
<button class="btn btn-primary" type="submit">Save changes</button> <button class="btn btn-secondary" type="button" disabled>Delete account</button></form>""",
        nav=nav, lang=None)
    _mark("http://app.test/settings", "label", "html-has-lang", "tabindex")
    pages["/changelog"] = page(host, "/changelog", "Changelog — Northwind App", "<h1>Changelog</h1>" + "".join(
        f"<h2>Release 2.{n}</h2><ul><li>Faster order search</li><li>New export to CSV</li></ul>" for n in range(6, 0, -1)), nav=nav)
    return pages


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160" viewBox="0 0 240 160"><rect width="240" height="160" fill="#{c}"/><text x="16" y="88" font-family="Arial" font-size="18" fill="#fff">{t}</text></svg>'

# Extra URLs in the list: missing pages, a redirect and a slow page (handled by the server).
EXTRA_URLS = ["http://shop.test/products/discontinued-widget", "http://blog.test/posts/never-written",
              "http://shop.test/old-catalog", "http://docs.test/slow", "http://app.test/missing"]


def build(root: Path) -> list[str]:
    """Write every page under ``root`` and return the list of sample URLs."""
    urls = []
    for host, pages in zip(HOSTS, (shop(), blog(), people(), docs(), app()), strict=True):
        site = root / host
        if site.exists():
            shutil.rmtree(site)
        for path, text in pages.items():
            target = site / ("index.html" if path == "/" else path.strip("/") + ".html")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            urls.append(f"http://{host}{path}")
        (site / "robots.txt").write_text(f"User-agent: *\nDisallow: /internal/\nCrawl-delay: 0\n\nSitemap: http://{host}/sitemap.xml\n")
        listed = "".join(f"<url><loc>http://{host}{path}</loc><lastmod>2026-11-01</lastmod></url>"
                         for path in pages if not path.startswith("/internal/"))
        (site / "sitemap.xml").write_text('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
                                          f'"http://www.sitemaps.org/schemas/sitemap/0.9">{listed}</urlset>\n')
    img = root / "_assets" / "img"
    img.mkdir(parents=True, exist_ok=True)
    for i, (_pid, slug, name, *_rest) in enumerate(PRODUCTS):
        (img / f"{slug}.svg").write_text(SVG.format(c=["1f4fd1", "e8590c", "1a7f37", "6f42c1"][i % 4], t=html.escape(name)))
    for _uid, handle, name, _b in USERS:
        (img / f"avatar-{handle}.svg").write_text(SVG.format(c="57606a", t=html.escape(name.split()[0])))
    (img / "question.svg").write_text(SVG.format(c="d0d7de", t="?"))
    return urls + EXTRA_URLS


def main() -> None:
    repo = Path(__file__).resolve().parents[2]
    urls = build(repo / "data" / "site")
    lines = ["# The bundled sample site: five hosts resolved to 127.0.0.1 by the browser.",
             "# Includes two 404s, a redirect (/old-catalog), a slow page (/slow) and a missing page.", *urls]
    (repo / "data" / "urls").mkdir(parents=True, exist_ok=True)
    (repo / "data" / "urls" / "sample.txt").write_text("\n".join(lines) + "\n")
    (repo / "data" / "site" / "ux_labels.json").write_text(json.dumps(ux_labels(urls), indent=1, sort_keys=True) + "\n")
    (repo / "data" / "site" / "mistakes.json").write_text(json.dumps(MISTAKES, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(urls)} URLs under {repo / 'data'}")


if __name__ == "__main__":
    main()
