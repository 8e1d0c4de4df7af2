"""Article HTML is untrusted (a provider, a person, an old row wrote it): `sanitize_html` keeps its article markup.

Built on nh3 (the Rust `ammonia` sanitizer): an allowlist of article tags and attributes, http/https/mailto URLs
only, `rel="noopener noreferrer"` on every link. Scripts, styles, frames, forms, `on*=` event handlers, `style`
attributes and `javascript:` / `data:` URLs never survive. Applied when content is stored (Content.fill_derived),
when it is edited, when it is read through the API and before it is published.
"""

from __future__ import annotations

import nh3

ARTICLE_TAGS = frozenset(
    {
        *("h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code"),
        *("ul", "ol", "li", "dl", "dt", "dd"),
        *("a", "img", "figure", "figcaption"),
        *("strong", "em", "b", "i", "u", "s", "mark", "small", "sub", "sup", "abbr", "cite", "q", "span", "div"),
        *("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col"),
    }
)
ARTICLE_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "ol": {"start", "reversed"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
}
# Their content goes with them (the text of a script or a style is no article text).
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math"}
)
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def sanitize_html(html: str) -> str:
    """The article markup of `html`: allowlisted tags and attributes, safe URLs, links with rel=noopener."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=set(ARTICLE_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ARTICLE_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
