"""The AI provider contract: plain dataclasses in and out, one abstract base, one error type."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import ClassVar, Generic, Literal, TypeVar

T = TypeVar("T")

MAX_KEYWORDS_PER_CALL = 20
MIN_IMAGE_SIDE = 256
MAX_IMAGE_SIDE = 1792
MAX_IMAGE_PIXELS = 1792 * 1024
IMAGE_QUALITIES = ("standard", "hd", "low", "medium", "high", "auto")
_SMALL_WORDS = frozenset("a an and as at but by for in nor of on or the to vs with".split())
_ACRONYMS = {"seo": "SEO", "ai": "AI", "diy": "DIY", "faq": "FAQ", "api": "API", "usa": "USA", "uk": "UK", "css": "CSS"}
FUNCTIONS = (
    "cluster_keywords",
    "generate_ideas",
    "generate_content",
    "generate_image_prompts",
    "generate_image",
)


class ProviderError(Exception):
    """A provider call failed; `permanent` says whether retrying the same call can help."""

    def __init__(
        self, message: str, permanent: bool = False, retry_after: float | None = None, *, usage: Usage | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        # What the failed call still cost (a refusal or truncated answer is billed), for the ledger.
        self.usage = usage

    def __repr__(self) -> str:
        return f"ProviderError({self.message!r}, permanent={self.permanent}, retry_after={self.retry_after})"


@dataclass(frozen=True)
class Usage:
    """Tokens and API calls spent on one provider result (calls counts every attempt)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    calls: int = 0
    model: str = ""

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            calls=self.calls + other.calls,
            model=other.model or self.model,
        )


@dataclass(frozen=True)
class ProviderResult(Generic[T]):
    """A provider's answer plus what it cost."""

    value: T
    usage: Usage


@dataclass(frozen=True)
class KeywordIn:
    """A keyword to cluster."""

    id: int
    text: str
    volume: int = 0
    difficulty: int = 0
    intent: str = "informational"


@dataclass(frozen=True)
class ClusterOut:
    """A cluster proposed for some of the input keywords."""

    name: str
    description: str
    keyword_ids: list[int]


@dataclass(frozen=True)
class ClusterIn:
    """A cluster to write content ideas for."""

    id: int
    name: str
    description: str = ""
    keywords: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IdeaOut:
    """A content idea; `description` is an outline in the `format_outline` text format."""

    title: str
    description: str
    content_type: str
    content_structure: str
    target_keywords: list[str]


@dataclass(frozen=True)
class ContentBrief:
    """What to write; `description` is the idea's outline (see `parse_outline`)."""

    title: str
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    target_word_count: int = 1200
    content_type: str = "post"
    structure: str = "article"


@dataclass(frozen=True)
class ArticleOut:
    """A written article as HTML plus its SEO fields."""

    title: str
    html: str
    excerpt: str
    meta_title: str
    meta_description: str
    primary_keyword: str
    tags: list[str]
    categories: list[str]

    @property
    def word_count(self) -> int:
        """Return the number of words in the article text (tags stripped)."""
        return html_word_count(self.html)


@dataclass(frozen=True)
class ArticleIn:
    """An article to illustrate."""

    title: str
    html: str
    primary_keyword: str = ""


@dataclass(frozen=True)
class ImagePromptOut:
    """One image to generate: the featured image (position 0) or an in-article image (1..n)."""

    kind: Literal["featured", "in_article"]
    position: int
    prompt: str


@dataclass(frozen=True)
class ImageOut:
    """A generated image."""

    data: bytes
    width: int
    height: int
    mime: str = "image/png"


@dataclass(frozen=True)
class Outline:
    """An idea outline: an intro sentence and the H2 section headings."""

    intro: str
    sections: list[str]


class Provider(ABC):
    """An AI backend; each method returns a ProviderResult or raises ProviderError (ValueError for bad arguments)."""

    name: ClassVar[str]
    # What a run can expect before it has history: clusters made per keyword clustered (the seeds' 1 per 5).
    clusters_per_keyword: ClassVar[float] = 0.2

    @classmethod
    def forecast_clusters(
        cls, keywords: Sequence[str], *, existing_clusters: Sequence[str], batch_size: int
    ) -> int | None:
        """How many new clusters clustering `keywords` in batches would make, when the provider can tell without
        calling anything; None when it cannot (estimates then use `clusters_per_keyword` or history)."""
        return None

    @abstractmethod
    def cluster_keywords(
        self, keywords: Sequence[KeywordIn], *, existing_clusters: Sequence[str] = (), sector: str | None = None
    ) -> ProviderResult[list[ClusterOut]]:
        """Group at most 20 keywords; every input id lands in exactly one cluster; reuse fitting existing names."""

    @abstractmethod
    def generate_ideas(self, cluster: ClusterIn, *, count: int) -> ProviderResult[list[IdeaOut]]:
        """Return up to `count` content ideas with distinct titles for the cluster."""

    @abstractmethod
    def generate_content(self, brief: ContentBrief) -> ProviderResult[ArticleOut]:
        """Write an HTML article for the brief."""

    @abstractmethod
    def generate_image_prompts(
        self, article: ArticleIn, *, in_article_count: int
    ) -> ProviderResult[list[ImagePromptOut]]:
        """Return one featured prompt (position 0) then `in_article_count` in-article prompts (1..n)."""

    @abstractmethod
    def generate_image(
        self, prompt: str, *, size: str = "1024x1024", quality: str = "standard"
    ) -> ProviderResult[ImageOut]:
        """Render one PNG image for the prompt."""


def check_keyword_batch(keywords: Sequence[KeywordIn]) -> None:
    """Raise ValueError unless there are 1..20 keywords with unique ids and non-blank text."""
    if not keywords:
        raise ValueError("cluster_keywords needs at least one keyword")
    if len(keywords) > MAX_KEYWORDS_PER_CALL:
        raise ValueError(f"cluster_keywords takes at most {MAX_KEYWORDS_PER_CALL} keywords, got {len(keywords)}")
    if len({keyword.id for keyword in keywords}) != len(keywords):
        raise ValueError("cluster_keywords got duplicate keyword ids")
    if any(not keyword.text.strip() for keyword in keywords):
        raise ValueError("cluster_keywords got a keyword with blank text")


def check_count(name: str, value: int, *, minimum: int) -> None:
    """Raise ValueError when an integer argument is below its minimum."""
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


def parse_size(size: str) -> tuple[int, int]:
    """Parse "WxH" into (width, height); raise ValueError outside 256..1792 per side."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", size)
    if not match:
        raise ValueError(f"image size must look like '1024x1024', got {size!r}")
    width, height = int(match[1]), int(match[2])
    for side in (width, height):
        if not MIN_IMAGE_SIDE <= side <= MAX_IMAGE_SIDE:
            raise ValueError(f"image sides must be {MIN_IMAGE_SIDE}..{MAX_IMAGE_SIDE} px, got {size!r}")
    if width * height > MAX_IMAGE_PIXELS:
        raise ValueError(f"image size {size!r} is larger than 1792x1024")
    return width, height


def check_quality(quality: str) -> None:
    """Raise ValueError for an unknown image quality."""
    if quality not in IMAGE_QUALITIES:
        raise ValueError(f"image quality must be one of {', '.join(IMAGE_QUALITIES)}, got {quality!r}")


def format_outline(intro: str, sections: Sequence[str]) -> str:
    """Render an outline as text: the intro paragraph, then one "## Heading" line per H2 section."""
    lines = [intro.strip(), ""] + [f"## {section.strip()}" for section in sections]
    return "\n".join(lines).strip()


def parse_outline(text: str) -> Outline:
    """Parse `format_outline` text (also tolerates "H2:", "-" and "1." section markers)."""
    intro: list[str] = []
    sections: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        marker = re.match(r"^(?:#{2,3}\s+|H2:\s*|[-*]\s+|\d+[.)]\s+)(.+)$", line, flags=re.IGNORECASE)
        if marker:
            sections.append(marker[1].strip())
        elif line and not sections:
            intro.append(re.sub(r"^intro(?:duction)?:\s*", "", line, flags=re.IGNORECASE))
    return Outline(intro=" ".join(intro), sections=sections)


class _TextAndHeadings(HTMLParser):
    """Collect the visible text and the H2 headings of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.h2: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h2":
            self._in_h2 = True
            self.h2.append("")
        self.text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False
        self.text.append(" ")

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_h2:
            self.h2[-1] += data


def _parse_html(html: str) -> _TextAndHeadings:
    parser = _TextAndHeadings()
    parser.feed(html)
    parser.close()
    return parser


def html_text(html: str) -> str:
    """Return the visible text of an HTML fragment with whitespace collapsed."""
    return " ".join("".join(_parse_html(html).text).split())


def html_word_count(html: str) -> int:
    """Count the words of an HTML fragment's text."""
    return len(html_text(html).split())


def html_h2_headings(html: str) -> list[str]:
    """Return the text of every <h2> in order."""
    return [" ".join(heading.split()) for heading in _parse_html(html).h2 if heading.strip()]


CLOSING_HEADING_WORDS = (
    "conclusion",
    "takeaway",
    "final thoughts",
    "wrapping up",
    "verdict",
    "putting it all together",
)


def illustratable_headings(html: str) -> list[str]:
    """H2 headings worth an image: all but the FAQ and the closing section."""
    skip = ("frequently asked questions", "faq", *CLOSING_HEADING_WORDS)
    return [h for h in html_h2_headings(html) if not any(word in h.lower() for word in skip)]


def estimate_tokens(*texts: str) -> int:
    """Estimate tokens as 1.3 per word, the rule the ledger uses when no real count exists."""
    return round(sum(len(text.split()) for text in texts) * 1.3)


def title_case(text: str) -> str:
    """Title-case a phrase, keeping small words lower-case and known acronyms upper-case."""
    words = text.split()
    cased = []
    for index, word in enumerate(words):
        lower = word.lower()
        if lower in _ACRONYMS:
            cased.append(_ACRONYMS[lower])
        elif index and lower in _SMALL_WORDS:
            cased.append(lower)
        else:
            cased.append(word[:1].upper() + word[1:])
    return " ".join(cased)


def truncate_words(text: str, limit: int) -> str:
    """Cut text at a word boundary so that it is at most `limit` characters."""
    if len(text) <= limit:
        return text
    return text[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:-–—")
