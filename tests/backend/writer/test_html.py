"""sanitize_html: an article's markup survives; scripts, event handlers, styles, frames and unsafe URLs do not."""

from __future__ import annotations

import pytest

from backend.writer.html import sanitize_html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Hi</p><script>alert(1)</script>", "<p>Hi</p>"),
        ("<p>Hi<SCRIPT src='https://evil.example/x.js'></SCRIPT></p>", "<p>Hi</p>"),
        (
            '<img src="https://cdn.example/a.png" onerror="alert(1)" alt="a">',
            '<img src="https://cdn.example/a.png" alt="a">',
        ),
        ('<p onclick="steal()" onmouseover="x()">Text</p>', "<p>Text</p>"),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href=" JaVaScRiPt:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="d">', '<img alt="d">'),
        ('<h2 style="background:url(javascript:alert(1))">Title</h2>', "<h2>Title</h2>"),
        ('<iframe src="https://evil.example"></iframe><p>after</p>', "<p>after</p>"),
        ("<style>p { display: none }</style><p>seen</p>", "<p>seen</p>"),
        ('<form action="https://evil.example"><input name="q"></form>', ""),
        ("<object data='x.swf'></object><embed src='x.swf'>", ""),
    ],
)
def test_it_removes_what_could_run_or_restyle_the_page(dirty, clean):
    assert sanitize_html(dirty) == clean


def test_it_keeps_an_articles_markup():
    article = (
        "<h2>Beans</h2><h3>Roast</h3><p>Some <strong>bold</strong>, <em>italic</em> and <code>code</code>.</p>"
        "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>quoted</blockquote><pre>pre</pre><hr><br>"
        '<figure><img src="https://cdn.example/a.png" alt="A cup" width="640" height="480">'
        "<figcaption>A cup</figcaption></figure>"
        "<table><thead><tr><th>Bean</th></tr></thead><tbody><tr><td>Arabica</td></tr></tbody></table>"
        '<a href="mailto:hi@example.com">mail</a>'
    )
    assert sanitize_html(article) == article.replace(
        '<a href="mailto:hi@example.com">', '<a href="mailto:hi@example.com" rel="noopener noreferrer">'
    )


def test_it_gives_links_a_safe_rel_and_keeps_their_href_and_title():
    html = '<a href="https://example.com/guide" title="Guide" target="_blank" rel="opener">guide</a>'
    safe = '<a href="https://example.com/guide" title="Guide" rel="noopener noreferrer">guide</a>'
    assert sanitize_html(html) == safe


def test_it_is_stable_on_its_own_output():
    once = sanitize_html('<table><tr><td onclick="x()">1</td></tr></table><p>a<b>b</p>')
    assert sanitize_html(once) == once and "onclick" not in once
