from __future__ import annotations

import io
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PIL import Image

from actions.ai.providers import (
    ArticleIn,
    ClusterIn,
    ContentBrief,
    KeywordIn,
    ProviderError,
    get_provider,
)
from actions.ai.providers.openai_provider import OpenAIProvider
from actions.ai.providers.prompts import SCHEMAS
from tests.support.fake_openai import (
    FakeOpenAI,
    Fault,
    http_error,
    malformed_json,
    rate_limited,
    refusal,
    schema_violation,
    server_error,
    slow,
    truncated,
)

KEYWORDS = [
    KeywordIn(11, "coffee grinder burr"),
    KeywordIn(12, "coffee grinder blade"),
    KeywordIn(13, "espresso machine descaling"),
]
ARTICLE_HTML = (
    "<p>Intro.</p><h2>Choosing Beans</h2><p>Beans.</p><h2>Grinding</h2><p>Grind.</p>"
    "<h2>Frequently Asked Questions</h2><h3>Why?</h3><p>Because.</p>"
)


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_provider(server: FakeOpenAI, sleeps: list[float]) -> Callable[..., OpenAIProvider]:
    def make(**config: Any) -> OpenAIProvider:
        options: dict[str, Any] = {
            "api_key": "sk-test",
            "base_url": server.base_url,
            "timeout": 2.0,
            "max_retries": 2,
            "backoff_base": 0.01,
            "sleep": sleeps.append,
        }
        provider = get_provider("openai", **(options | config))
        assert isinstance(provider, OpenAIProvider)
        return provider

    return make


@pytest.fixture
def provider(make_provider: Callable[..., OpenAIProvider]) -> OpenAIProvider:
    return make_provider()


def generate_ideas(provider: OpenAIProvider) -> Any:
    return provider.generate_ideas(ClusterIn(1, "Coffee Gear", "Gear for brewing.", ["coffee grinder"]), count=2)


# --- each function, through the real SDK ---


def test_it_clusters_with_a_strict_json_schema(provider: OpenAIProvider, server: FakeOpenAI) -> None:
    clusters = provider.cluster_keywords(KEYWORDS, sector="Coffee").value
    assert [(c.name, c.keyword_ids) for c in clusters] == [("Coffee Topics", [11, 12]), ("Espresso Topics", [13])]
    (request,) = server.requests_to("/v1/chat/completions")
    response_format = request.json["response_format"]  # type: ignore[index]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"] == {
        "name": "cluster_keywords",
        "schema": SCHEMAS["cluster_keywords"],
        "strict": True,
    }
    assert request.json["model"] == "gpt-5.4-mini"  # type: ignore[index]
    assert "[id=11] coffee grinder burr" in request.prompt and "Sector: Coffee" in request.prompt
    assert request.headers["authorization"] == "Bearer sk-test"


def test_it_reuses_existing_names_and_places_every_keyword(provider: OpenAIProvider, server: FakeOpenAI) -> None:
    answer = {"clusters": [{"name": "coffee grinders", "description": "Grinders.", "keyword_ids": [11, 99, 11]}]}
    server.set_response("cluster_keywords", answer)
    clusters = provider.cluster_keywords(KEYWORDS, existing_clusters=["Coffee Grinders"]).value
    assert [(c.name, c.keyword_ids) for c in clusters] == [
        ("Coffee Grinders", [11]),
        ("Coffee Grinder Blade", [12]),
        ("Espresso Machine Descaling", [13]),
    ]


def test_it_rejects_more_than_20_keywords_before_calling(provider: OpenAIProvider, server: FakeOpenAI) -> None:
    with pytest.raises(ValueError, match="at most 20"):
        provider.cluster_keywords([KeywordIn(i, f"keyword {i}") for i in range(21)])
    assert server.requests == []


def test_it_generates_ideas_as_outlines(provider: OpenAIProvider, server: FakeOpenAI) -> None:
    ideas = generate_ideas(provider).value
    assert [i.title for i in ideas] == ["Idea 1 about Coffee Gear", "Idea 2 about Coffee Gear"]
    assert (
        ideas[0].description
        == "An article about Coffee Gear.\n\n## Getting Started\n## Key Techniques\n## Common Mistakes"
    )
    assert "exactly 2 distinct content ideas" in server.requests[0].prompt


def test_it_generates_content_and_clamps_meta_fields(provider: OpenAIProvider, server: FakeOpenAI) -> None:
    long_title = "A Very Long Meta Title That Keeps Going Well Past What Search Engines Will Show"

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        return {
            "title": "Brewing",
            "html": ARTICLE_HTML,
            "excerpt": "Intro.",
            "meta_title": long_title,
            "meta_description": "word " * 50,
            "primary_keyword": "",
            "tags": ["coffee", " "],
            "categories": ["Coffee"],
        }

    server.set_response("generate_content", answer)
    brief = ContentBrief("Brewing", "Intro\n\n## Choosing Beans", ["coffee beans"], target_word_count=900)
    article = provider.generate_content(brief).value
    assert article.html == ARTICLE_HTML
    assert len(article.meta_title) <= 60 and long_title.startswith(article.meta_title)
    assert len(article.meta_description) <= 160
    assert article.primary_keyword == "coffee beans" and article.tags == ["coffee"]
    assert "about 900 words" in server.requests[0].prompt and "## Choosing Beans" in server.requests[0].prompt


def test_it_generates_image_prompts_from_the_headings(provider: OpenAIProvider, server: FakeOpenAI) -> None:
    prompts = provider.generate_image_prompts(ArticleIn("Brewing", ARTICLE_HTML), in_article_count=2).value
    assert [(p.kind, p.position) for p in prompts] == [("featured", 0), ("in_article", 1), ("in_article", 2)]
    assert "- Choosing Beans\n- Grinding" in server.requests[0].prompt


def test_it_returns_png_bytes_for_an_image(provider: OpenAIProvider, server: FakeOpenAI) -> None:
    result = provider.generate_image("a coffee cup", size="1536x1024", quality="hd")
    with Image.open(io.BytesIO(result.value.data)) as png:
        assert png.format == "PNG" and png.size == (1536, 1024)
    assert (result.value.width, result.value.height, result.value.mime) == (1536, 1024, "image/png")
    body = server.requests_to("/v1/images/generations")[0].json
    assert body == {
        "model": "gpt-image-2",
        "prompt": "a coffee cup",
        "n": 1,
        "size": "1536x1024",
        "output_format": "png",
        "quality": "high",
    }


def test_it_asks_dall_e_for_base64(make_provider: Callable[..., OpenAIProvider], server: FakeOpenAI) -> None:
    make_provider(image_model="dall-e-3").generate_image("a coffee cup")
    body = server.requests[0].json or {}
    assert (body["model"], body["response_format"], body["quality"]) == ("dall-e-3", "b64_json", "standard")


def test_it_downloads_an_image_returned_as_a_url(provider: OpenAIProvider, server: FakeOpenAI) -> None:
    server.image_mode = "url"
    image = provider.generate_image("a coffee cup", size="512x512").value
    assert (image.width, image.height) == (512, 512)
    assert server.requests[-1].method == "GET"


def test_it_uses_the_model_configured_per_function(
    make_provider: Callable[..., OpenAIProvider], server: FakeOpenAI
) -> None:
    provider = make_provider(text_model="gpt-5.4", models={"generate_ideas": "gpt-5.4-nano"})
    generate_ideas(provider)
    provider.generate_image_prompts(ArticleIn("Brewing", ARTICLE_HTML), in_article_count=1)
    assert [r.json["model"] for r in server.requests] == ["gpt-5.4-nano", "gpt-5.4"]  # type: ignore[index]


def test_it_renders_prompt_overrides(make_provider: Callable[..., OpenAIProvider], server: FakeOpenAI) -> None:
    provider = make_provider(prompt_overrides={"generate_ideas": "Give exactly $count ideas on $cluster_name."})
    generate_ideas(provider)
    assert server.requests[0].prompt == "Give exactly 2 ideas on Coffee Gear."


def test_it_records_token_usage(provider: OpenAIProvider, server: FakeOpenAI) -> None:
    server.usage = {"prompt_tokens": 321, "completion_tokens": 123}
    usage = generate_ideas(provider).usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (321, 123, 444)
    assert (usage.calls, usage.model) == (1, "gpt-5.4-mini")
    image_usage = provider.generate_image("x").usage
    assert (image_usage.prompt_tokens, image_usage.completion_tokens, image_usage.model) == (30, 1000, "gpt-image-2")


# --- retries ---


@pytest.mark.parametrize("fault", [rate_limited(0.25), rate_limited(0.25, milliseconds=True)], ids=["seconds", "ms"])
def test_it_waits_for_retry_after_on_429(
    provider: OpenAIProvider, server: FakeOpenAI, sleeps: list[float], fault: Fault
) -> None:
    server.script(fault)
    result = generate_ideas(provider)
    assert sleeps == [0.25]
    assert result.usage.calls == 2 and len(server.requests) == 2


def test_it_really_sleeps_for_retry_after(make_provider: Callable[..., OpenAIProvider], server: FakeOpenAI) -> None:
    provider = make_provider(sleep=time.sleep)
    server.script(rate_limited(0.15))
    started = time.monotonic()
    generate_ideas(provider)
    assert 0.15 <= time.monotonic() - started < 2


def test_it_retries_server_errors_with_backoff(
    provider: OpenAIProvider, server: FakeOpenAI, sleeps: list[float]
) -> None:
    server.script(server_error(500), server_error(503))
    assert len(generate_ideas(provider).value) == 2
    assert len(sleeps) == 2
    assert 0.005 <= sleeps[0] <= 0.01 and 0.01 <= sleeps[1] <= 0.02


def test_it_retries_after_a_timeout(make_provider: Callable[..., OpenAIProvider], server: FakeOpenAI) -> None:
    provider = make_provider(timeout=0.3)
    server.script(slow(2.0))
    started = time.monotonic()
    assert generate_ideas(provider).usage.calls == 2
    assert time.monotonic() - started < 1.5


def test_it_gives_up_after_max_retries_with_a_transient_error(provider: OpenAIProvider, server: FakeOpenAI) -> None:
    server.script(server_error(), server_error(), server_error())
    with pytest.raises(ProviderError, match="HTTP 500.*gave up after 3 attempts") as caught:
        generate_ideas(provider)
    assert caught.value.permanent is False
    assert caught.value.usage is not None and caught.value.usage.calls == 3
    assert len(server.requests) == 3


def test_it_treats_an_unreachable_server_as_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = get_provider(
        "openai", api_key="k", base_url=f"http://127.0.0.1:{port}/v1", max_retries=1, sleep=lambda s: None
    )
    with pytest.raises(ProviderError, match="could not reach the API") as caught:
        generate_ideas(provider)  # type: ignore[arg-type]
    assert caught.value.permanent is False


def test_it_hands_a_long_retry_after_back_to_the_caller(
    provider: OpenAIProvider, server: FakeOpenAI, sleeps: list[float]
) -> None:
    server.script(rate_limited(120))
    with pytest.raises(ProviderError, match="wait 120s") as caught:
        generate_ideas(provider)
    assert (caught.value.permanent, caught.value.retry_after, sleeps) == (False, 120.0, [])


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (malformed_json(), "invalid JSON"),
        (schema_violation(), "does not match its schema at \\(root\\): 'ideas' is a required property"),
        (refusal("No."), "refused by the model: No."),
        (truncated(), "finish_reason=length"),
        (http_error(400), "HTTP 400"),
        (http_error(401), "HTTP 401"),
        (http_error(429, code="insufficient_quota"), "out of quota"),
    ],
    ids=["malformed", "schema", "refusal", "length", "400", "401", "quota"],
)
def test_it_fails_permanently_without_retrying(
    provider: OpenAIProvider, server: FakeOpenAI, fault: Fault, message: str
) -> None:
    server.script(fault)
    with pytest.raises(ProviderError, match=message) as caught:
        generate_ideas(provider)
    assert caught.value.permanent is True
    assert len(server.requests) == 1


def test_it_keeps_the_usage_of_a_refused_answer(provider: OpenAIProvider, server: FakeOpenAI) -> None:
    server.script(refusal())
    with pytest.raises(ProviderError) as caught:
        generate_ideas(provider)
    assert caught.value.usage is not None and caught.value.usage.total_tokens == 200


def test_it_requires_an_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        get_provider("openai")
