from __future__ import annotations

import io
from collections import Counter
from html.parser import HTMLParser

import pytest
from PIL import Image

from actions.ai.providers import (
    ArticleIn,
    ClusterIn,
    ContentBrief,
    KeywordIn,
    get_provider,
)
from actions.ai.providers.base import format_outline, html_h2_headings, html_word_count, parse_outline
from actions.ai.providers.local import LocalProvider
from actions.ai.providers.prompts import DEFAULT_PROMPTS, PromptTemplateError, render_prompt

TOPICS = {
    "coffee": [
        "best coffee brewing methods",
        "french press coffee ratio",
        "pour over coffee technique",
        "cold brew coffee recipe",
        "espresso grind size for coffee",
    ],
    "shoes": [
        "best running shoes for beginners",
        "trail running shoes review",
        "running shoes for flat feet",
        "marathon running shoes",
        "cushioned running shoes for women",
    ],
    "python": [
        "python list comprehension tutorial",
        "learn python programming",
        "python decorators explained",
        "python programming for beginners",
        "async programming in python",
    ],
    "plants": [
        "low light houseplants",
        "houseplant watering schedule",
        "best indoor plants for beginners",
        "pet safe houseplants",
        "how to repot a houseplant",
    ],
}


def make_keywords(texts: list[str] | None = None, start: int = 101) -> list[KeywordIn]:
    texts = texts if texts is not None else [text for group in TOPICS.values() for text in group]
    return [KeywordIn(id=start + i, text=text, volume=1000 - i * 10, difficulty=30) for i, text in enumerate(texts)]


def topic_of(keyword_id: int, keywords: list[KeywordIn]) -> str:
    text = next(k.text for k in keywords if k.id == keyword_id)
    return next(topic for topic, texts in TOPICS.items() if text in texts)


@pytest.fixture
def provider() -> LocalProvider:
    return LocalProvider()


def make_brief(target: int = 1200, **overrides: object) -> ContentBrief:
    outline = format_outline(
        "A guide for people choosing a brewing method.",
        [
            "What Is Pour Over Coffee?",
            "French Press Coffee Ratio",
            "Cold Brew Coffee Recipe",
            "Common Mistakes to Avoid",
        ],
    )
    fields: dict[str, object] = {
        "title": "The Complete Guide to Coffee Brewing Methods",
        "description": outline,
        "keywords": ["coffee brewing methods", "french press coffee ratio", "cold brew coffee recipe"],
        "target_word_count": target,
        "content_type": "guide",
        "structure": "guide",
    }
    fields.update(overrides)
    return ContentBrief(**fields)  # type: ignore[arg-type]


class BalanceChecker(HTMLParser):
    """Fails on a closing tag that does not match the innermost open one."""

    VOID = {"br", "img", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def assert_balanced(html: str) -> None:
    checker = BalanceChecker()
    checker.feed(html)
    checker.close()
    assert checker.errors == [] and checker.stack == []


# --- clustering ---


def test_it_clusters_a_mixed_set_by_topic(provider: LocalProvider) -> None:
    keywords = make_keywords()
    clusters = provider.cluster_keywords(keywords).value
    assert 3 <= len(clusters) <= 6
    for topic in TOPICS:
        homes = Counter(c.name for c in clusters for i in c.keyword_ids if topic_of(i, keywords) == topic)
        assert homes.most_common(1)[0][1] >= 4, (topic, homes)
    for cluster in clusters:
        assert len({topic_of(i, keywords) for i in cluster.keyword_ids}) == 1, cluster


def test_it_puts_every_keyword_in_exactly_one_cluster(provider: LocalProvider) -> None:
    keywords = make_keywords()
    clusters = provider.cluster_keywords(keywords).value
    assigned = [i for cluster in clusters for i in cluster.keyword_ids]
    assert sorted(assigned) == sorted(k.id for k in keywords)


def test_it_names_clusters_after_shared_terms(provider: LocalProvider) -> None:
    names = {c.name for c in provider.cluster_keywords(make_keywords()).value}
    assert {"Coffee Brewing", "Running Shoes", "Python Programming"} <= names
    for cluster in provider.cluster_keywords(make_keywords()).value:
        assert cluster.name == cluster.name.title() or cluster.name[0].isupper()
        assert cluster.description.endswith(".") and cluster.description.count(".") >= 1


def test_it_clusters_deterministically(provider: LocalProvider) -> None:
    keywords = make_keywords()
    assert provider.cluster_keywords(keywords).value == LocalProvider().cluster_keywords(keywords).value


def test_it_reuses_a_fitting_existing_cluster_name(provider: LocalProvider) -> None:
    keywords = make_keywords()
    existing = ["Python Programming Tutorials", "Gardening Tools"]
    clusters = provider.cluster_keywords(keywords, existing_clusters=existing).value
    python = next(c for c in clusters if topic_of(c.keyword_ids[0], keywords) == "python")
    assert python.name == "Python Programming Tutorials"
    assert "Gardening Tools" not in {c.name for c in clusters}


def test_it_mentions_the_sector_in_descriptions(provider: LocalProvider) -> None:
    clusters = provider.cluster_keywords(make_keywords(TOPICS["coffee"]), sector="Food & Drink").value
    assert all("Food & Drink" in c.description for c in clusters)


def test_it_handles_a_single_keyword(provider: LocalProvider) -> None:
    clusters = provider.cluster_keywords([KeywordIn(1, "cold brew coffee recipe")]).value
    assert [c.keyword_ids for c in clusters] == [[1]]
    assert clusters[0].name == "Cold Brew Coffee"


def test_it_rejects_more_than_20_keywords(provider: LocalProvider) -> None:
    keywords = make_keywords([f"keyword {n}" for n in range(21)])
    with pytest.raises(ValueError, match="at most 20"):
        provider.cluster_keywords(keywords)


def test_it_estimates_usage_for_the_ledger(provider: LocalProvider) -> None:
    usage = provider.cluster_keywords(make_keywords()).usage
    assert usage.calls == 1 and usage.model == "local"
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


# --- ideas ---


def test_it_generates_distinct_ideas_with_distinct_outlines(provider: LocalProvider) -> None:
    cluster = ClusterIn(1, "Coffee Brewing", "Brewing at home.", TOPICS["coffee"])
    ideas = provider.generate_ideas(cluster, count=7).value
    assert len(ideas) == 7
    assert len({i.title.lower() for i in ideas}) == 7
    assert len({i.description for i in ideas}) == 7
    assert {i.content_type for i in ideas} == {"guide", "listicle", "how_to", "comparison", "post"}
    for idea in ideas:
        outline = parse_outline(idea.description)
        assert outline.intro and len(outline.sections) >= 4
        assert idea.target_keywords[0] in cluster.keywords


def test_it_rejects_a_zero_idea_count(provider: LocalProvider) -> None:
    with pytest.raises(ValueError):
        provider.generate_ideas(ClusterIn(1, "Coffee"), count=0)


# --- articles ---


@pytest.mark.parametrize("target", [500, 1200, 2000])
def test_it_writes_valid_html_near_the_target_length(provider: LocalProvider, target: int) -> None:
    article = provider.generate_content(make_brief(target)).value
    assert_balanced(article.html)
    assert abs(html_word_count(article.html) - target) <= 0.15 * target
    assert article.word_count == html_word_count(article.html)


def test_it_follows_the_outline_and_ends_with_a_faq(provider: LocalProvider) -> None:
    article = provider.generate_content(make_brief()).value
    headings = html_h2_headings(article.html)
    assert headings[:4] == parse_outline(make_brief().description).sections
    assert "Frequently Asked Questions" in headings
    faq = article.html.split("<h2>Frequently Asked Questions</h2>", 1)[1]
    assert faq.count("<h3>") >= 3 and "?</h3>" in faq
    assert article.html.startswith("<p>")


def test_it_fills_the_seo_fields(provider: LocalProvider) -> None:
    article = provider.generate_content(make_brief()).value
    assert len(article.meta_title) <= 60
    assert 120 <= len(article.meta_description) <= 160
    assert article.primary_keyword == "coffee brewing methods"
    assert "coffee brewing methods" in article.html.lower()
    assert "french press coffee ratio" in article.html.lower()
    assert article.excerpt and article.tags and article.categories == ["Coffee"]


def test_it_writes_without_an_outline(provider: LocalProvider) -> None:
    brief = make_brief(800, description="", content_type="listicle", structure="listicle")
    article = provider.generate_content(brief).value
    assert_balanced(article.html)
    assert len(html_h2_headings(article.html)) >= 4
    assert abs(article.word_count - 800) <= 120


def test_it_writes_the_same_article_for_the_same_brief(provider: LocalProvider) -> None:
    assert provider.generate_content(make_brief()).value == LocalProvider().generate_content(make_brief()).value
    assert (
        provider.generate_content(make_brief(title="Another Title")).value.html
        != provider.generate_content(make_brief()).value.html
    )


def test_it_rejects_an_unreasonable_word_count(provider: LocalProvider) -> None:
    with pytest.raises(ValueError, match="target_word_count"):
        provider.generate_content(make_brief(50))


# --- image prompts and images ---


def test_it_draws_image_prompts_from_title_and_headings(provider: LocalProvider) -> None:
    article = provider.generate_content(make_brief()).value
    prompts = provider.generate_image_prompts(ArticleIn(article.title, article.html), in_article_count=3).value
    assert [(p.kind, p.position) for p in prompts] == [
        ("featured", 0),
        ("in_article", 1),
        ("in_article", 2),
        ("in_article", 3),
    ]
    assert article.title in prompts[0].prompt
    for prompt, heading in zip(prompts[1:], html_h2_headings(article.html), strict=False):
        assert heading in prompt.prompt
    assert not any("Frequently Asked" in p.prompt for p in prompts)


def test_it_returns_only_the_featured_prompt_for_zero_in_article_images(provider: LocalProvider) -> None:
    prompts = provider.generate_image_prompts(ArticleIn("Title", "<p>text</p>"), in_article_count=0).value
    assert [p.kind for p in prompts] == ["featured"]


@pytest.mark.parametrize("size", ["1024x1024", "256x256", "1792x1024", "1024x1792"])
def test_it_renders_a_png_of_the_requested_size(provider: LocalProvider, size: str) -> None:
    image = provider.generate_image("A cup of pour over coffee on a wooden table", size=size).value
    width, height = (int(side) for side in size.split("x"))
    with Image.open(io.BytesIO(image.data)) as png:
        assert png.format == "PNG" and png.size == (width, height)
    assert (image.width, image.height, image.mime) == (width, height, "image/png")


def test_it_renders_identical_bytes_for_the_same_prompt(provider: LocalProvider) -> None:
    first = provider.generate_image("a fern on a windowsill", size="512x512").value.data
    assert first == LocalProvider().generate_image("a fern on a windowsill", size="512x512").value.data
    assert first != provider.generate_image("a cactus on a windowsill", size="512x512").value.data


@pytest.mark.parametrize("size", ["100x100", "2048x2048", "1792x1792", "big", "1024"])
def test_it_rejects_unsupported_sizes(provider: LocalProvider, size: str) -> None:
    with pytest.raises(ValueError, match="size|sides"):
        provider.generate_image("x", size=size)


def test_it_rejects_an_unknown_quality(provider: LocalProvider) -> None:
    with pytest.raises(ValueError, match="quality"):
        provider.generate_image("x", quality="ultra")


# --- configuration and prompts ---


def test_it_sleeps_the_configured_latency_per_call() -> None:
    sleeps: list[float] = []
    provider = get_provider("local", latency=0.25, sleep=sleeps.append)
    provider.generate_ideas(ClusterIn(1, "Coffee"), count=1)
    provider.generate_image("x", size="256x256")
    assert sleeps == [0.25, 0.25]


def test_it_ignores_openai_settings_and_none_values() -> None:
    provider = get_provider("local", api_key="sk-test", base_url=None, latency=None, timeout=30)
    assert isinstance(provider, LocalProvider) and provider.latency == 0.0


def test_it_rejects_unknown_config_keys_and_providers() -> None:
    with pytest.raises(ValueError, match="unknown provider config"):
        get_provider("local", latencyy=1)
    with pytest.raises(ValueError, match="unknown AI provider"):
        get_provider("anthropic")


def test_it_uses_a_prompt_override_and_falls_back_to_the_default() -> None:
    overrides = {"generate_ideas": "Ideas for $cluster_name, $count of them."}
    assert (
        render_prompt("generate_ideas", {"cluster_name": "Tea", "count": 2}, overrides) == "Ideas for Tea, 2 of them."
    )
    variables = {"cluster_name": "Tea", "cluster_description": "", "keywords": "", "count": 2}
    assert render_prompt("generate_ideas", variables, {"generate_ideas": "  "}).startswith("Propose exactly 2")
    assert set(DEFAULT_PROMPTS) == {
        "cluster_keywords",
        "generate_ideas",
        "generate_content",
        "generate_image_prompts",
        "generate_image",
    }


def test_it_rejects_an_override_with_an_unknown_placeholder() -> None:
    with pytest.raises(PromptTemplateError, match=r"unknown placeholder\(s\) \$colour"):
        render_prompt("generate_image", {"prompt": "x"}, {"generate_image": "$prompt in $colour"})
    with pytest.raises(PromptTemplateError, match=r"\$\$"):
        get_provider("local", prompt_overrides={"generate_image": "costs $5"})
    with pytest.raises(PromptTemplateError, match="no prompt named"):
        get_provider("local", prompt_overrides={"write_poem": "x"})


def test_it_round_trips_an_outline() -> None:
    text = format_outline("Intro sentence.", ["One", "Two"])
    assert text == "Intro sentence.\n\n## One\n## Two"
    assert parse_outline(text).sections == ["One", "Two"]
    assert parse_outline("Intro: Hello\nH2: First\n- Second\n3. Third").sections == ["First", "Second", "Third"]


def test_it_clusters_keywords_without_any_words(provider: LocalProvider) -> None:
    clusters = provider.cluster_keywords([KeywordIn(1, "???"), KeywordIn(2, "!!!"), KeywordIn(3, "c++")]).value
    assert sorted(i for c in clusters for i in c.keyword_ids) == [1, 2, 3]


def test_it_rejects_blank_or_duplicate_keywords(provider: LocalProvider) -> None:
    with pytest.raises(ValueError, match="blank"):
        provider.cluster_keywords([KeywordIn(1, "coffee"), KeywordIn(2, "  ")])
    with pytest.raises(ValueError, match="duplicate"):
        provider.cluster_keywords([KeywordIn(1, "coffee"), KeywordIn(1, "tea")])


def test_it_says_which_variable_a_prompt_is_missing() -> None:
    with pytest.raises(PromptTemplateError, match=r"needs \$count"):
        render_prompt("generate_ideas", {"cluster_name": "Tea"}, {"generate_ideas": "$count ideas on $cluster_name"})
