"""The offline provider: deterministic clustering, ideas, articles, image prompts and PNGs, fast enough to demo."""

from __future__ import annotations

import hashlib
import html
import io
import math
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import hstack
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from actions.ai.providers.base import (
    CLOSING_HEADING_WORDS,
    ArticleIn,
    ArticleOut,
    ClusterIn,
    ClusterOut,
    ContentBrief,
    IdeaOut,
    ImageOut,
    ImagePromptOut,
    KeywordIn,
    Provider,
    ProviderResult,
    Usage,
    check_count,
    check_keyword_batch,
    check_quality,
    estimate_tokens,
    format_outline,
    html_text,
    illustratable_headings,
    parse_outline,
    parse_size,
    title_case,
    truncate_words,
)
from actions.ai.providers.prompts import (
    cluster_variables,
    content_variables,
    ideas_variables,
    image_prompt_variables,
    render_prompt,
)

MODEL_NAME = "local"
# Average-linkage cosine distance below which keywords share a cluster (tuned on mixed SEO keyword sets).
CLUSTER_DISTANCE = 0.9
# A lone keyword joins the nearest cluster when its cosine similarity to that cluster's centroid is this high.
SINGLETON_ATTACH_SIMILARITY = 0.1
# A new cluster takes an existing cluster's name when its centroid is this similar to the name.
EXISTING_NAME_SIMILARITY = 0.3
MIN_WORD_COUNT = 200
MAX_WORD_COUNT = 10_000

# Search modifiers say how people search, not what about, so they must not pull topics together.
_MODIFIERS = frozenset(
    "best top cheap cheapest affordable review reviews guide guides tips tricks tutorial tutorials learn "
    "beginner beginners vs versus explained ideas free online buy price prices near easy simple ultimate "
    "complete new good great ways way step steps examples example list checklist how what why".split()
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


class LocalProvider(Provider):
    """Deterministic offline provider; `latency` adds a sleep per call for benchmarks."""

    name = "local"
    # Measured: its TF-IDF clustering makes 33 clusters of the demo's 71 keywords (0.46), like the test sets.
    clusters_per_keyword = 0.46

    def __init__(
        self,
        *,
        latency: float = 0.0,
        prompt_overrides: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.latency = latency
        self.prompt_overrides = dict(prompt_overrides or {})
        self._sleep = sleep

    @classmethod
    def forecast_clusters(cls, keywords: Sequence[str], *, existing_clusters: Sequence[str], batch_size: int) -> int:
        """Exact: the clustering is deterministic and offline, so run it batch by batch as the stage would."""
        names = list(existing_clusters)
        known = {name.lower() for name in names}
        created = 0
        for start in range(0, len(keywords), max(1, batch_size)):
            batch = [KeywordIn(id=i, text=text) for i, text in enumerate(keywords[start : start + batch_size])]
            for cluster in cluster_keywords_locally(batch, names, None):
                if cluster.name.lower() not in known:
                    known.add(cluster.name.lower())
                    names.append(cluster.name)
                    created += 1
        return created

    def cluster_keywords(
        self, keywords: Sequence[KeywordIn], *, existing_clusters: Sequence[str] = (), sector: str | None = None
    ) -> ProviderResult[list[ClusterOut]]:
        """Cluster by TF-IDF (words and character n-grams) and average-linkage cosine distance."""
        check_keyword_batch(keywords)
        prompt = self._start_call("cluster_keywords", cluster_variables(keywords, existing_clusters, sector))
        clusters = cluster_keywords_locally(list(keywords), list(existing_clusters), sector)
        return self._result(clusters, prompt, " ".join(c.name + " " + c.description for c in clusters))

    def generate_ideas(self, cluster: ClusterIn, *, count: int) -> ProviderResult[list[IdeaOut]]:
        """Write `count` ideas rotating through the content types, each focused on a cluster keyword."""
        check_count("count", count, minimum=1)
        prompt = self._start_call("generate_ideas", ideas_variables(cluster, count))
        ideas = ideas_for_cluster(cluster, count)
        return self._result(ideas, prompt, " ".join(i.title + " " + i.description for i in ideas))

    def generate_content(self, brief: ContentBrief) -> ProviderResult[ArticleOut]:
        """Write an HTML article following the brief's outline, sized to its target word count."""
        if not MIN_WORD_COUNT <= brief.target_word_count <= MAX_WORD_COUNT:
            raise ValueError(
                f"target_word_count must be {MIN_WORD_COUNT}..{MAX_WORD_COUNT}, got {brief.target_word_count}"
            )
        prompt = self._start_call("generate_content", content_variables(brief))
        article = write_article(brief)
        return self._result(article, prompt, html_text(article.html))

    def generate_image_prompts(
        self, article: ArticleIn, *, in_article_count: int
    ) -> ProviderResult[list[ImagePromptOut]]:
        """Build the featured prompt from the title and one in-article prompt per H2 heading."""
        check_count("in_article_count", in_article_count, minimum=0)
        prompt = self._start_call("generate_image_prompts", image_prompt_variables(article, in_article_count))
        prompts = image_prompts_for(article, illustratable_headings(article.html), in_article_count)
        return self._result(prompts, prompt, " ".join(p.prompt for p in prompts))

    def generate_image(
        self, prompt: str, *, size: str = "1024x1024", quality: str = "standard"
    ) -> ProviderResult[ImageOut]:
        """Render a gradient, shapes and the prompt's text into a PNG of the requested size."""
        width, height = parse_size(size)
        check_quality(quality)
        rendered = self._start_call("generate_image", {"prompt": prompt, "size": size, "quality": quality})
        image = ImageOut(data=render_png(rendered, width, height), width=width, height=height)
        return self._result(image, rendered, "")

    def _start_call(self, function: str, variables: Mapping[str, object]) -> str:
        """Wait the configured latency, then render the prompt as the remote provider would.

        Rendering keeps prompt overrides failing the same way in both providers and makes token estimates plausible.
        """
        if self.latency > 0:
            self._sleep(self.latency)
        return render_prompt(function, variables, self.prompt_overrides)

    def _result(self, value: Any, prompt: str, output: str) -> ProviderResult[Any]:
        prompt_tokens, completion_tokens = estimate_tokens(prompt), estimate_tokens(output)
        usage = Usage(prompt_tokens, completion_tokens, prompt_tokens + completion_tokens, calls=1, model=MODEL_NAME)
        return ProviderResult(value=value, usage=usage)


# --- text helpers -------------------------------------------------------------------------------


def _topic_words(text: str) -> list[str]:
    """Return the words that say what a keyword is about (stop words and search modifiers removed)."""
    words = _WORD.findall(text.lower())
    kept = [word for word in words if word not in _MODIFIERS and word not in ENGLISH_STOP_WORDS]
    return kept or words


def _stem(word: str) -> str:
    """Strip common English suffixes so "brew", "brewing" and "brews" count as one term."""
    for suffix in ("ing", "ers", "es", "er", "ed", "s"):
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _fit_length(text: str, low: int, high: int, padding: Sequence[str]) -> str:
    """Pad with sentences from `padding` until `low` chars, then cut at a word boundary to at most `high`."""
    for extra in padding:
        if len(text) >= low:
            break
        text = f"{text} {extra}"
    if len(text) <= high:
        return text
    cut = text[: high - 1].rsplit(" ", 1)[0].rstrip(",;:.-")
    return cut + "…"


def _rng(*parts: str) -> random.Random:
    """A random generator seeded from a stable hash of the given strings."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


# --- clustering ---------------------------------------------------------------------------------


def cluster_keywords_locally(
    keywords: list[KeywordIn], existing_clusters: list[str], sector: str | None
) -> list[ClusterOut]:
    """Group keywords by meaning; clusters whose centroid matches an existing name reuse that name."""
    docs = [" ".join(_topic_words(k.text)) or k.text.lower() for k in keywords]
    names_docs = [" ".join(_topic_words(name)) or name.lower() for name in existing_clusters]
    vectors = _vectorize(docs + names_docs)
    keyword_vectors, name_vectors = vectors[: len(docs)], vectors[len(docs) :]
    labels = _cluster_labels(keyword_vectors)
    groups: dict[str, tuple[str, list[int]]] = {}
    for label in sorted(set(labels), key=labels.index):
        members = [i for i, value in enumerate(labels) if value == label]
        name = _existing_name(keyword_vectors[members].mean(axis=0), name_vectors, existing_clusters)
        name = name or _cluster_name([keywords[i].text for i in members])
        # Two groups with one name are one topic: merge them rather than emit duplicate clusters.
        groups.setdefault(name.lower(), (name, []))[1].extend(members)
    return [_cluster_out([keywords[i] for i in sorted(members)], name, sector) for name, members in groups.values()]


def _vectorize(docs: list[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Dense L2-normalised features: word uni/bigrams and character n-grams, weighted equally."""
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(docs)
    try:
        words = TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b", sublinear_tf=True).fit_transform(docs)
    except ValueError:  # no word at all in any keyword (e.g. only symbols): characters alone must do
        return np.asarray(chars.toarray(), dtype=np.float64)
    matrix = hstack([words * math.sqrt(0.5), chars * math.sqrt(0.5)])
    return np.asarray(matrix.toarray(), dtype=np.float64)


def _cluster_labels(vectors: np.ndarray[Any, np.dtype[np.float64]]) -> list[int]:
    """Cut an average-linkage cosine tree; cap the cluster count at n/2 and fold near-miss singletons in."""
    count = len(vectors)
    if count == 1:
        return [1]
    tree = linkage(vectors, method="average", metric="cosine")
    labels = [int(label) for label in fcluster(tree, t=CLUSTER_DISTANCE, criterion="distance")]
    if len(set(labels)) > math.ceil(count / 2):
        labels = [int(label) for label in fcluster(tree, t=math.ceil(count / 2), criterion="maxclust")]
    return _attach_singletons(vectors, labels)


def _attach_singletons(vectors: np.ndarray[Any, np.dtype[np.float64]], labels: list[int]) -> list[int]:
    """Move each lone keyword into the most similar multi-keyword cluster when it is close enough."""
    sizes = Counter(labels)
    centroids = {
        label: vectors[[i for i, value in enumerate(labels) if value == label]].mean(axis=0)
        for label, size in sizes.items()
        if size > 1
    }
    result = list(labels)
    for index, label in enumerate(labels):
        if sizes[label] > 1 or not centroids:
            continue
        scores = {other: _cosine(vectors[index], centroid) for other, centroid in centroids.items()}
        best = max(scores, key=lambda other: (scores[other], -other))
        if scores[best] >= SINGLETON_ATTACH_SIMILARITY:
            result[index] = best
    return result


def _cosine(a: np.ndarray[Any, np.dtype[np.float64]], b: np.ndarray[Any, np.dtype[np.float64]]) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm else 0.0


def _existing_name(
    centroid: np.ndarray[Any, np.dtype[np.float64]],
    name_vectors: np.ndarray[Any, np.dtype[np.float64]],
    names: list[str],
) -> str | None:
    """Return the existing cluster name most similar to the centroid, if similar enough."""
    scores = [_cosine(centroid, vector) for vector in name_vectors]
    if not scores or max(scores) < EXISTING_NAME_SIMILARITY:
        return None
    return names[scores.index(max(scores))]


def _cluster_name(texts: list[str]) -> str:
    """Name a cluster after the terms most of its keywords share, most shared first."""
    surfaces: dict[str, Counter[str]] = {}
    frequency: Counter[str] = Counter()
    for text in texts:
        stems: dict[str, str] = {}
        for word in _topic_words(text):
            stems.setdefault(_stem(word), word)
        for stem, word in stems.items():
            surfaces.setdefault(stem, Counter())[word] += 1
        frequency.update(stems.keys())
    first_seen = list(frequency)
    needed = 1 if len(texts) == 1 else max(2, math.ceil(0.4 * len(texts)))
    shared = [stem for stem in first_seen if frequency[stem] >= needed]
    if not shared:
        shared = sorted(first_seen, key=lambda stem: -frequency[stem])[:2]
    chosen = sorted(shared, key=lambda stem: (-frequency[stem], first_seen.index(stem)))[:3]
    return title_case(" ".join(surfaces[stem].most_common(1)[0][0] for stem in chosen))


def _cluster_out(group: list[KeywordIn], name: str, sector: str | None) -> ClusterOut:
    """Describe a cluster in one sentence with its leading intent and its highest-volume keywords."""
    intent = Counter(k.intent or "informational" for k in group).most_common(1)[0][0]
    examples = [f"“{k.text}”" for k in sorted(group, key=lambda k: -k.volume)[:3]]
    quoted = examples[0] if len(examples) == 1 else ", ".join(examples[:-1]) + " and " + examples[-1]
    where = f" in the {sector} sector" if sector else ""
    description = f"{intent.capitalize()} searches about {name.lower()}{where}, such as {quoted}."
    return ClusterOut(name=name, description=description, keyword_ids=[k.id for k in group])


# --- ideas --------------------------------------------------------------------------------------

_IDEA_TYPES = ("guide", "listicle", "how_to", "comparison", "post")
_STRUCTURE_FOR = {
    "post": "article",
    "guide": "guide",
    "listicle": "listicle",
    "comparison": "comparison",
    "how_to": "how_to",
}
_TITLES = {
    "guide": (
        "The Complete Guide to {focus}",
        "{focus}: A Beginner's Guide",
        "Everything You Need to Know About {focus}",
    ),
    "listicle": (
        "{n} {focus} Tips That Actually Work",
        "{n} Mistakes to Avoid with {focus}",
        "{n} Ideas to Improve Your {focus}",
    ),
    "how_to": (
        "How to Get Started with {focus}",
        "How to Master {focus} Step by Step",
        "How to Choose the Right {focus}",
    ),
    "comparison": (
        "{focus} vs {other}: Which Is Right for You?",
        "{focus} Compared: Pros, Cons and Alternatives",
        "Comparing {focus} Options in Detail",
    ),
    "post": ("Why {focus} Matters More Than You Think", "{focus}: What Most People Get Wrong", "The Future of {focus}"),
}


def ideas_for_cluster(cluster: ClusterIn, count: int) -> list[IdeaOut]:
    """Return `count` ideas with distinct titles, rotating content types and focus keywords."""
    keywords = [k for k in dict.fromkeys(k.strip() for k in cluster.keywords) if k] or [cluster.name]
    ideas: list[IdeaOut] = []
    titles: set[str] = set()
    for index in range(count):
        content_type = _IDEA_TYPES[index % len(_IDEA_TYPES)]
        # Shift the focus every full round of types so (type, focus) pairs do not repeat.
        focus = keywords[(index + index // len(_IDEA_TYPES)) % len(keywords)]
        others = [k for k in keywords if k != focus]
        title = _idea_title(content_type, index, focus, others, titles)
        titles.add(title.lower())
        sections = _idea_sections(content_type, focus, others, cluster.name)
        label = content_type.replace("_", "-")
        intro = f"{title}: a {label} for readers exploring {cluster.name.lower()}, focused on {focus.lower()}."
        ideas.append(
            IdeaOut(
                title=title,
                description=format_outline(intro, sections),
                content_type=content_type,
                content_structure=_STRUCTURE_FOR[content_type],
                target_keywords=[focus, *others[:2]],
            )
        )
    return ideas


def _idea_title(content_type: str, index: int, focus: str, others: list[str], taken: set[str]) -> str:
    """Pick the first unused title template for this type, numbering it when every variant is taken."""
    variants = _TITLES[content_type]
    other = title_case(others[0]) if others else "the Alternatives"
    start = index // len(_IDEA_TYPES)
    for offset in range(len(variants)):
        template = variants[(start + offset) % len(variants)]
        title = template.format(focus=title_case(focus), other=other, n=5 + (index % 3) * 2)
        if title.lower() not in taken:
            return title
    return f"{title} (Part {index + 1})"


def _idea_sections(content_type: str, focus: str, others: list[str], topic: str) -> list[str]:
    """Build the H2 list for an idea: a type-specific frame around sections named after related keywords."""
    focus_t, related = title_case(focus), [title_case(k) for k in others[:3]]
    if content_type == "guide":
        return [
            f"What Is {focus_t}?",
            f"Why {focus_t} Matters",
            *related,
            "Common Mistakes to Avoid",
            "Getting Started",
        ]
    if content_type == "listicle":
        return [
            f"Why These {title_case(topic)} Tips Matter",
            *related,
            "How We Chose These Tips",
            "Putting It All Together",
        ]
    if content_type == "how_to":
        steps = [
            f"Step {n}: {name}" for n, name in enumerate([f"Plan Your {focus_t}", *related, "Review and Improve"], 1)
        ]
        return ["What You Need Before You Start", *steps]
    if content_type == "comparison":
        rival = related[0] if related else "The Alternatives"
        return [
            f"{focus_t} at a Glance",
            f"{rival} at a Glance",
            "Key Differences",
            "Cost and Value",
            "Which One Should You Choose?",
        ]
    return [f"The Basics of {focus_t}", *related, "What the Experts Say", "Key Takeaways"]


# --- articles -----------------------------------------------------------------------------------

_LEADS = (
    "Here is what you should know about {kw}.",
    "Let's take a closer look at {kw}.",
    "This part of the guide focuses on {kw}.",
    "{Kw} deserves a careful look before you commit to anything.",
    "Getting {kw} right starts with a clear picture of the basics.",
)
_SENTENCES = (
    "Most people who look into {kw} want practical answers rather than theory.",
    "A good first step with {kw} is to decide what success looks like for you.",
    "Small, consistent improvements usually beat dramatic one-off changes.",
    "It helps to write down what you try so you can compare results over time.",
    "If you are new to {kw}, start with the simplest approach and add complexity only when you need it.",
    "Budget, time and skill level all shape which option makes the most sense.",
    "The details matter here, but the fundamentals matter more.",
    "Many beginners overlook this point, and it costs them time later on.",
    "Comparing a few options side by side can save you from an expensive mistake.",
    "There is no single right answer, so treat these points as a flexible framework.",
    "Consistency is what turns a one-off experiment into a reliable habit.",
    "Keep an eye on quality signals rather than chasing every new trend in {kw}.",
    "A quick checklist before you begin prevents most of the common problems.",
    "Think about how {kw} fits into your routine, not just how it works in isolation.",
    "Experts tend to agree that clear goals make {kw} far easier to get right.",
    "Once the basics are in place, fine-tuning becomes much more rewarding.",
    "Avoid copying someone else's setup exactly, because what works for them may not suit you.",
    "The upfront effort pays off quickly once you start to see consistent results.",
    "Common pitfalls include rushing the process and skipping the preparation stage.",
    "For most readers, a balanced approach delivers the best long-term value.",
    "Understanding the reasons behind {kw} makes every later decision easier.",
    "You do not need to master everything at once to make real progress.",
    "Set aside a little time each week to review what is working and what is not.",
    "Reliable information about {kw} is easy to find once you know which questions to ask.",
    "In practice, the gap between good and great often comes down to small habits.",
    "Change one thing at a time so you can tell what actually made the difference.",
    "Judging every option against the same few criteria keeps the decision objective.",
    "People who get the most out of {kw} usually plan ahead and adjust as they learn.",
    "Cheap shortcuts with {kw} tend to cost more in the long run.",
    "A little patience here goes a long way toward better results.",
)
_FAQ = (
    ("What is {kw}?", "{Kw} is best understood as a set of practical choices rather than a single rule."),
    ("How do I get started with {kw}?", "Start small with {kw}, learn the basics and build from there."),
    (
        "What are the most common mistakes with {kw}?",
        "The most common mistakes with {kw} are rushing and skipping preparation.",
    ),
    (
        "Is {kw} worth it for beginners?",
        "Yes, {kw} is worth it for beginners who take a patient, step-by-step approach.",
    ),
    (
        "How long does it take to see results with {kw}?",
        "Results with {kw} usually show within a few weeks of consistent effort.",
    ),
)
_CONNECTORS = (
    "In many cases, ",
    "On top of that, ",
    "As a rule of thumb, ",
    "In our experience, ",
    "For example, ",
    "Equally, ",
)
_SUBHEADINGS = ("The Basics", "Practical Tips", "What to Watch Out For", "Going Further")
_TYPE_LABELS = {"how_to": "how-to guide", "listicle": "list", "comparison": "comparison", "guide": "guide"}


class _Block:
    """A run of sentences rendered under one heading (or none), sized by its share of the word budget."""

    def __init__(self, heading: str | None, keyword: str, weight: float, kind: str = "p", level: int = 2) -> None:
        self.heading, self.keyword, self.weight, self.kind, self.level = heading, keyword, weight, kind, level
        self.sentences: list[str] = []

    @property
    def words(self) -> int:
        return sum(len(s.split()) for s in self.sentences) + len((self.heading or "").split())


def write_article(brief: ContentBrief) -> ArticleOut:
    """Write a deterministic article (seeded from the title) whose text is close to the target word count."""
    rng = _rng(brief.title)
    derived = " ".join(_topic_words(brief.title)) or brief.title
    primary = (brief.keywords[0] if brief.keywords else derived).strip().lower() or "this topic"
    keywords = list(dict.fromkeys([primary, *(k.strip().lower() for k in brief.keywords[1:] if k.strip())]))
    blocks = _plan_blocks(brief, keywords, rng)
    _fill_blocks(blocks, brief.target_word_count, rng)
    body = _render_blocks(blocks)
    label = _TYPE_LABELS.get(brief.content_type, "article")
    intro = " ".join(blocks[0].sentences[:2])
    return ArticleOut(
        title=brief.title,
        html=body,
        excerpt=truncate_words(intro, 300),
        meta_title=truncate_words(brief.title, 60),
        meta_description=_meta_description(brief.title, primary, label),
        primary_keyword=primary,
        tags=keywords[:6],
        categories=[_category(keywords)],
    )


def _plan_blocks(brief: ContentBrief, keywords: list[str], rng: random.Random) -> list[_Block]:
    """Lay out intro, outline sections, FAQ and conclusion, each seeded with one opening sentence."""
    sections = _sections_for(brief, keywords)
    kind = {"listicle": "ul", "how_to": "ol"}.get(brief.structure, "p")
    primary = keywords[0]
    intro = _Block(None, primary, 0.8)
    intro.sentences.append(_intro_sentence(brief, primary, rng))
    blocks = [intro]
    for index, heading in enumerate(sections):
        keyword = _keyword_for(heading, keywords, index)
        block = _Block(heading, keyword, 2.0, kind if index % 2 else "p")
        block.sentences.append(_fill(rng.choice(_LEADS), keyword))
        blocks.append(block)
    blocks.extend(_faq_blocks(keywords, rng, 4 if brief.target_word_count >= 1500 else 3))
    if not any(word in sections[-1].lower() for word in CLOSING_HEADING_WORDS):
        closing = _Block("Final Thoughts", primary, 1.0)
        closing.sentences.append(_fill("{Kw} does not have to be complicated once you know where to focus.", primary))
        blocks.append(closing)
    return blocks


def _sections_for(brief: ContentBrief, keywords: list[str]) -> list[str]:
    """Use the outline's H2s (minus any FAQ) or a default frame; fewer sections for shorter articles."""
    outline = [s for s in parse_outline(brief.description).sections if "question" not in s.lower()]
    if not outline:
        others = [k for k in keywords[1:]]
        content_type = brief.content_type if brief.content_type in _IDEA_TYPES else "post"
        outline = _idea_sections(content_type, keywords[0], others, keywords[0])
    limit = max(3, min(8, brief.target_word_count // 160))
    return outline if len(outline) <= limit else [*outline[: limit - 1], outline[-1]]


def _keyword_for(heading: str, keywords: list[str], index: int) -> str:
    """Prefer a keyword the heading mentions, otherwise rotate through the keywords."""
    for keyword in keywords:
        if keyword in heading.lower():
            return keyword
    return keywords[(index + 1) % len(keywords)] if len(keywords) > 1 else keywords[0]


def _intro_sentence(brief: ContentBrief, primary: str, rng: random.Random) -> str:
    label = _TYPE_LABELS.get(brief.content_type, "article")
    opener = rng.choice(
        (
            "If you have been looking for practical advice on {kw}, you are in the right place.",
            "{Kw} can feel overwhelming at first, but it becomes manageable with the right approach.",
            "Whether you are just starting out or refining your approach, {kw} rewards a thoughtful plan.",
        )
    )
    return _fill(opener, primary) + f" This {label} breaks the topic into clear, practical sections."


def _faq_blocks(keywords: list[str], rng: random.Random, count: int) -> list[_Block]:
    """The FAQ heading followed by question blocks (h3), each opening with a direct answer."""
    heading = _Block("Frequently Asked Questions", keywords[0], 0.0)
    questions = []
    for index, (question, answer) in enumerate(rng.sample(_FAQ, count)):
        keyword = keywords[index % len(keywords)]
        block = _Block(_fill(question, keyword), keyword, 0.6, level=3)
        block.sentences.append(_fill(answer, keyword))
        questions.append(block)
    return [heading, *questions]


def _fill(template: str, keyword: str) -> str:
    return template.format(kw=keyword, Kw=keyword[:1].upper() + keyword[1:])


def _fill_blocks(blocks: list[_Block], target: int, rng: random.Random) -> None:
    """Add sentences to the block furthest below its weighted share until the text is near the target."""
    weighted = [block for block in blocks if block.weight > 0]
    plain = [t for t in _SENTENCES if "{kw}" not in t]
    keyed = [t for t in _SENTENCES if "{kw}" in t]
    decks: dict[bool, list[str]] = {True: [], False: []}
    total = sum(block.words for block in blocks)
    while total < target - 6:
        block = min(weighted, key=lambda b: (b.words / b.weight, blocks.index(b)))
        # Name the keyword at most twice per block so the text reads naturally instead of stuffed.
        wants_keyword = sum(block.keyword in s.lower() for s in block.sentences) < 2
        if not decks[wants_keyword]:
            decks[wants_keyword] = rng.sample(keyed if wants_keyword else plain, len(keyed if wants_keyword else plain))
        sentence = _fill(decks[wants_keyword].pop(), block.keyword)
        if not wants_keyword and rng.random() < 0.4:
            sentence = rng.choice(_CONNECTORS) + sentence[:1].lower() + sentence[1:]
        block.sentences.append(sentence)
        total += len(sentence.split())


def _render_blocks(blocks: list[_Block]) -> str:
    """Render blocks as HTML: headings, paragraphs of about three sentences, lists, and h3 splits of long sections."""
    parts: list[str] = []
    for block in blocks:
        if block.heading:
            parts.append(f"<h{block.level}>{html.escape(block.heading)}</h{block.level}>")
        parts.extend(_render_body(block))
    return "\n".join(parts)


def _render_body(block: _Block) -> list[str]:
    sentences = block.sentences
    if block.kind in ("ul", "ol") and len(sentences) >= 4:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences[1:])
        return [f"<p>{html.escape(sentences[0])}</p>", f"<{block.kind}>{items}</{block.kind}>"]
    if block.level == 2 and block.heading and len(sentences) >= 8:
        third = len(sentences) // 3
        first, second = _SUBHEADINGS[2 * (len(block.heading) % 2) :][:2]
        return [
            *_paragraphs(sentences[:third]),
            f"<h3>{first}</h3>",
            *_paragraphs(sentences[third : 2 * third]),
            f"<h3>{second}</h3>",
            *_paragraphs(sentences[2 * third :]),
        ]
    return _paragraphs(sentences)


def _paragraphs(sentences: list[str]) -> list[str]:
    return [
        f"<p>{html.escape(' '.join(sentences[i : i + 3]))}</p>"
        for i in range(0, len(sentences), 3)
        if sentences[i : i + 3]
    ]


def _meta_description(title: str, primary: str, label: str) -> str:
    """A 120-160 character summary built from the title and primary keyword."""
    text = f"{title}: a practical {label} on {primary} with key ideas, common mistakes and expert tips."
    padding = (
        "Includes answers to frequently asked questions.",
        "Read on to get started today.",
        "Updated and easy to follow.",
    )
    return _fit_length(text, 120, 160, padding)


def _category(keywords: list[str]) -> str:
    """The most frequent topic word across the keywords, title-cased."""
    words = Counter(word for keyword in keywords for word in _topic_words(keyword))
    return title_case(words.most_common(1)[0][0]) if words else "General"


# --- image prompts and images -------------------------------------------------------------------

_STYLES = (
    "clean modern flat illustration, soft pastel palette",
    "natural-light editorial photograph, shallow depth of field",
    "soft watercolor illustration with gentle textures",
    "minimal 3D render, studio lighting, muted colors",
)


def image_prompts_for(article: ArticleIn, headings: list[str], in_article_count: int) -> list[ImagePromptOut]:
    """One featured prompt from the title, then in-article prompts from the H2 headings in order."""
    style = _STYLES[_rng(article.title).randrange(len(_STYLES))]
    subject = article.primary_keyword or article.title
    prompts = [
        ImagePromptOut("featured", 0, f"Featured image for an article titled “{article.title}”: {style}, no text.")
    ]
    for position in range(1, in_article_count + 1):
        heading = headings[(position - 1) % len(headings)] if headings else article.title
        angle = "" if position <= len(headings) or not headings else ", a close-up detail view"
        prompts.append(
            ImagePromptOut(
                "in_article",
                position,
                f"Illustration of “{heading}” in an article about {subject}{angle}: {style}, no text.",
            )
        )
    return prompts


def render_png(prompt: str, width: int, height: int) -> bytes:
    """Render a deterministic PNG: a two-colour gradient, a few shapes and the prompt as a caption."""
    digest = hashlib.sha256(prompt.encode()).digest()
    start, end, accent = (np.array(list(digest[i : i + 3]), dtype=np.float32) for i in (0, 3, 6))
    # A 1/8-scale gradient upscaled bilinearly looks the same and costs a fraction of full-size maths.
    small_w, small_h = max(2, width // 8), max(2, height // 8)
    ramp = (
        np.linspace(0, 0.6, small_w, dtype=np.float32)[None, :]
        + np.linspace(0, 0.4, small_h, dtype=np.float32)[:, None]
    )
    pixels = start * (1 - ramp[..., None]) + end * ramp[..., None]
    image = Image.fromarray(pixels.astype(np.uint8)).resize((width, height), Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(image)
    _draw_shapes(draw, digest, width, height, tuple(int(c) for c in accent))
    _draw_caption(draw, prompt, width, height)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _draw_shapes(draw: ImageDraw.ImageDraw, digest: bytes, width: int, height: int, accent: tuple[int, ...]) -> None:
    rng = random.Random(digest)
    line = max(2, width // 160)
    for _ in range(rng.randint(3, 6)):
        x, y = rng.random() * width, rng.random() * height * 0.7
        r = (0.08 + rng.random() * 0.15) * min(width, height)
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x - r, y - r, x + r, y + r), outline=accent, width=line)


def _draw_caption(draw: ImageDraw.ImageDraw, prompt: str, width: int, height: int) -> None:
    size = max(12, height // 28)
    font = ImageFont.load_default(size=size)
    band_top = int(height * 0.78)
    draw.rectangle((0, band_top, width, height), fill=(20, 20, 28))
    chars_per_line = max(10, int(width / (size * 0.55)))
    words, lines, line = prompt.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > chars_per_line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    for index, text in enumerate(lines[: max(1, (height - band_top) // (size + 6) - 1)]):
        draw.text((size, band_top + size // 2 + index * (size + 6)), text, fill=(240, 240, 240), font=font)
