"""The OpenAI provider: the official SDK, structured outputs validated with jsonschema, our own retry loop."""

from __future__ import annotations

import base64
import email.utils
import io
import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

import httpx2
import jsonschema
import openai
from PIL import Image, UnidentifiedImageError

from actions.ai.providers.base import (
    FUNCTIONS,
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
    ProviderError,
    ProviderResult,
    Usage,
    check_count,
    check_keyword_batch,
    check_quality,
    format_outline,
    html_text,
    parse_size,
    title_case,
    truncate_words,
)
from actions.ai.providers.prompts import (
    SCHEMAS,
    SYSTEM_PROMPT,
    cluster_variables,
    content_variables,
    ideas_variables,
    image_prompt_variables,
    render_prompt,
)

R = TypeVar("R")

DEFAULT_TEXT_MODEL = "gpt-5.4-mini"
DEFAULT_IMAGE_MODEL = "gpt-image-2"
# 408 and 409 are what OpenAI sends for request timeouts and lock conflicts; both succeed on retry.
TRANSIENT_STATUSES = frozenset({408, 409, 429})


class OpenAIProvider(Provider):
    """Calls OpenAI (or any compatible base_url); retries 429/5xx/timeouts itself with backoff."""

    name = "openai"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff_base: float = 1.0,
        backoff_max: float = 30.0,
        max_retry_wait: float = 60.0,
        text_model: str = DEFAULT_TEXT_MODEL,
        image_model: str = DEFAULT_IMAGE_MODEL,
        models: Mapping[str, str] | None = None,
        prompt_overrides: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        client: openai.OpenAI | None = None,
    ) -> None:
        unknown = set(models or {}) - set(FUNCTIONS)
        if unknown:
            raise ValueError(f"models has unknown function(s) {sorted(unknown)}; expected some of {list(FUNCTIONS)}")
        self.models = (
            {function: text_model for function in FUNCTIONS} | {"generate_image": image_model} | dict(models or {})
        )
        self.timeout, self.max_retries = timeout, max_retries
        self.backoff_base, self.backoff_max, self.max_retry_wait = backoff_base, backoff_max, max_retry_wait
        self.prompt_overrides = dict(prompt_overrides or {})
        self._sleep = sleep
        self._random = random.Random()
        self.client = client or _make_client(api_key, base_url, timeout)

    def cluster_keywords(
        self, keywords: Sequence[KeywordIn], *, existing_clusters: Sequence[str] = (), sector: str | None = None
    ) -> ProviderResult[list[ClusterOut]]:
        """Ask the model for clusters, then make sure every input id lands in exactly one of them."""
        check_keyword_batch(keywords)
        data, usage = self._structured("cluster_keywords", cluster_variables(keywords, existing_clusters, sector))
        return ProviderResult(_clusters_from(data["clusters"], keywords, existing_clusters), usage)

    def generate_ideas(self, cluster: ClusterIn, *, count: int) -> ProviderResult[list[IdeaOut]]:
        """Ask for `count` ideas; keep the first `count` with distinct titles."""
        check_count("count", count, minimum=1)
        data, usage = self._structured("generate_ideas", ideas_variables(cluster, count))
        ideas = _ideas_from(data["ideas"], count)
        if not ideas:
            raise ProviderError("OpenAI generate_ideas returned no ideas", permanent=True, usage=usage)
        return ProviderResult(ideas, usage)

    def generate_content(self, brief: ContentBrief) -> ProviderResult[ArticleOut]:
        """Ask for the article as HTML plus SEO fields; clamp meta lengths to what the CMS accepts."""
        data, usage = self._structured("generate_content", content_variables(brief))
        if not html_text(data["html"]):
            raise ProviderError("OpenAI generate_content returned an empty article", permanent=True, usage=usage)
        return ProviderResult(_article_from(data, brief), usage)

    def generate_image_prompts(
        self, article: ArticleIn, *, in_article_count: int
    ) -> ProviderResult[list[ImagePromptOut]]:
        """Ask for prompts from the title and H2 headings; renumber them featured=0, in-article 1..n."""
        check_count("in_article_count", in_article_count, minimum=0)
        data, usage = self._structured("generate_image_prompts", image_prompt_variables(article, in_article_count))
        return ProviderResult(_prompts_from(data["prompts"], article, in_article_count), usage)

    def generate_image(
        self, prompt: str, *, size: str = "1024x1024", quality: str = "standard"
    ) -> ProviderResult[ImageOut]:
        """Generate one image and return it as PNG bytes (fetching it when the API answers with a URL)."""
        parse_size(size)
        check_quality(quality)
        model = self.models["generate_image"]
        text = render_prompt(
            "generate_image", {"prompt": prompt, "size": size, "quality": quality}, self.prompt_overrides
        )
        params = _image_params(model, size, quality)
        response, calls = self._call(
            "generate_image", lambda: self.client.images.generate(model=model, prompt=text, n=1, size=size, **params)
        )
        usage = _image_usage(response, model, calls)
        if not response.data:
            raise ProviderError("OpenAI generate_image returned no image", permanent=True, usage=usage)
        image = response.data[0]
        raw = base64.b64decode(image.b64_json) if image.b64_json else self._download(image.url, usage)
        return ProviderResult(_png_image(raw, usage), usage)

    def _structured(self, function: str, variables: Mapping[str, object]) -> tuple[dict[str, Any], Usage]:
        """Run one chat completion with a strict JSON Schema and return the validated JSON object."""
        model = self.models[function]
        messages: list[Any] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": render_prompt(function, variables, self.prompt_overrides)},
        ]
        response_format: Any = {
            "type": "json_schema",
            "json_schema": {"name": function, "schema": SCHEMAS[function], "strict": True},
        }
        response, calls = self._call(
            function,
            lambda: self.client.chat.completions.create(
                model=model, messages=messages, response_format=response_format
            ),
        )
        usage = _chat_usage(response, model, calls)
        return _parse_structured(function, response, usage), usage

    def _call(self, function: str, request: Callable[[], R]) -> tuple[R, int]:
        """Run `request`, retrying transient failures; return its result and the number of attempts."""
        attempts = 0
        while True:
            attempts += 1
            try:
                return request(), attempts
            except openai.OpenAIError as exc:
                error = _provider_error(function, exc, self.timeout)
                error.__cause__ = exc  # as `raise error from exc` would, so logs keep the SDK's traceback
            error.usage = Usage(calls=attempts, model=self.models[function])
            if error.permanent:
                raise error
            if attempts > self.max_retries:
                raise ProviderError(
                    f"{error.message} (gave up after {attempts} attempts)",
                    retry_after=error.retry_after,
                    usage=error.usage,
                )
            self._wait(error, attempts)

    def _wait(self, error: ProviderError, attempts: int) -> None:
        """Sleep for Retry-After or exponential backoff; hand long waits back to the caller instead."""
        if error.retry_after is not None:
            delay = error.retry_after
        else:
            backoff = min(self.backoff_max, self.backoff_base * 2 ** (attempts - 1))
            delay = backoff / 2 + self._random.uniform(0, backoff / 2)
        if delay > self.max_retry_wait:
            # Blocking a worker for minutes helps nobody; the task queue can reschedule with retry_after.
            raise ProviderError(
                f"{error.message}; server asks to wait {delay:.0f}s", retry_after=delay, usage=error.usage
            )
        self._sleep(delay)

    def _download(self, url: str | None, usage: Usage) -> bytes:
        """Fetch an image URL the API returned (older image models answer with URLs)."""
        if not url:
            raise ProviderError("OpenAI generate_image returned neither b64_json nor url", permanent=True, usage=usage)
        try:
            response = httpx2.get(url, timeout=self.timeout, follow_redirects=True)
            response.raise_for_status()
        except httpx2.HTTPStatusError as exc:
            status = exc.response.status_code
            raise ProviderError(
                f"downloading the image failed with HTTP {status}", permanent=status < 500, usage=usage
            ) from exc
        except httpx2.HTTPError as exc:
            raise ProviderError(f"downloading the image failed: {exc}", usage=usage) from exc
        return response.content


def _make_client(api_key: str | None, base_url: str | None, timeout: float) -> openai.OpenAI:
    """Build the SDK client with its own retries off, so that our loop is the only one."""
    try:
        return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
    except openai.OpenAIError as exc:
        raise ValueError(f"cannot create the OpenAI client (is OPENAI_API_KEY set?): {exc}") from exc


def _provider_error(function: str, exc: openai.OpenAIError, timeout: float) -> ProviderError:
    """Translate an SDK exception into a ProviderError that says whether retrying can help."""
    prefix = f"OpenAI {function}"
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(f"{prefix} timed out after {timeout:g}s")
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(f"{prefix} could not reach the API: {exc}")
    if isinstance(exc, openai.APIStatusError):
        status, message = exc.status_code, _error_message(exc)
        if status == 429 and exc.code == "insufficient_quota":
            return ProviderError(f"{prefix} failed: the account is out of quota ({message})", permanent=True)
        transient = status in TRANSIENT_STATUSES or status >= 500
        retry_after = _retry_after(exc.response.headers) if transient else None
        return ProviderError(
            f"{prefix} failed with HTTP {status}: {message}", permanent=not transient, retry_after=retry_after
        )
    return ProviderError(f"{prefix} failed: {exc}", permanent=True)


def _error_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return exc.message


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Read `retry-after-ms` or `retry-after` (seconds or an HTTP date) as seconds."""
    for header, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(header)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / scale)
        except ValueError:
            pass
        parsed = email.utils.parsedate_tz(value)
        if parsed is not None:
            return max(0.0, email.utils.mktime_tz(parsed) - time.time())
    return None


def _chat_usage(response: Any, model: str, calls: int) -> Usage:
    usage = response.usage
    if usage is None:
        return Usage(calls=calls, model=response.model or model)
    return Usage(usage.prompt_tokens, usage.completion_tokens, usage.total_tokens, calls, response.model or model)


def _image_usage(response: Any, model: str, calls: int) -> Usage:
    usage = response.usage
    if usage is None:
        return Usage(calls=calls, model=model)
    return Usage(usage.input_tokens, usage.output_tokens, usage.total_tokens, calls, model)


@cache
def _validator(function: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(SCHEMAS[function])


def _parse_structured(function: str, response: Any, usage: Usage) -> dict[str, Any]:
    """Return the JSON object of the first choice; refusals, truncation and bad JSON are permanent errors."""

    def fail(reason: str) -> ProviderError:
        return ProviderError(f"OpenAI {function} {reason}", permanent=True, usage=usage)

    if not response.choices:
        raise fail("returned no choices")
    choice = response.choices[0]
    if choice.message.refusal:
        raise fail(f"was refused by the model: {choice.message.refusal}")
    if choice.finish_reason == "length":
        raise fail("output was cut off at the token limit (finish_reason=length)")
    if choice.finish_reason == "content_filter":
        raise fail("output was blocked by the content filter")
    try:
        data = json.loads(choice.message.content or "")
    except json.JSONDecodeError as exc:
        raise fail(f"returned invalid JSON: {exc}") from exc
    error = jsonschema.exceptions.best_match(_validator(function).iter_errors(data))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        raise fail(f"returned JSON that does not match its schema at {where}: {error.message}")
    return dict(data)


def _clusters_from(
    items: list[dict[str, Any]], keywords: Sequence[KeywordIn], existing: Sequence[str]
) -> list[ClusterOut]:
    """Drop unknown and repeated ids, reuse existing names' spelling, merge same-name clusters, add leftovers."""
    by_id = {k.id: k for k in keywords}
    existing_by_lower = {name.lower(): name for name in existing}
    groups: dict[str, tuple[str, str, list[int]]] = {}
    placed: set[int] = set()
    for item in items:
        ids = [i for i in dict.fromkeys(item["keyword_ids"]) if i in by_id and i not in placed]
        if not ids:
            continue
        name = item["name"].strip() or title_case(by_id[ids[0]].text)
        name = existing_by_lower.get(name.lower(), name)
        groups.setdefault(name.lower(), (name, item["description"].strip(), []))[2].extend(ids)
        placed.update(ids)
    for keyword in keywords:
        if keyword.id not in placed:
            name = title_case(keyword.text)
            groups.setdefault(name.lower(), (name, f"Searches about {keyword.text}.", []))[2].append(keyword.id)
    return [
        ClusterOut(name=name, description=description, keyword_ids=ids) for name, description, ids in groups.values()
    ]


def _ideas_from(items: list[dict[str, Any]], count: int) -> list[IdeaOut]:
    ideas: dict[str, IdeaOut] = {}
    for item in items:
        title = item["title"].strip()
        if title and title.lower() not in ideas:
            ideas[title.lower()] = IdeaOut(
                title=title,
                description=format_outline(item["intro"], item["sections"]),
                content_type=item["content_type"],
                content_structure=item["content_structure"],
                target_keywords=[k for k in item["target_keywords"] if k.strip()],
            )
    return list(ideas.values())[:count]


def _article_from(data: dict[str, Any], brief: ContentBrief) -> ArticleOut:
    primary = data["primary_keyword"].strip() or (brief.keywords[0] if brief.keywords else "")
    return ArticleOut(
        title=data["title"].strip() or brief.title,
        html=data["html"],
        excerpt=data["excerpt"].strip(),
        meta_title=truncate_words(data["meta_title"].strip() or brief.title, 60),
        meta_description=truncate_words(data["meta_description"].strip(), 160),
        primary_keyword=primary,
        tags=[t.strip() for t in data["tags"] if t.strip()],
        categories=[c.strip() for c in data["categories"] if c.strip()],
    )


def _prompts_from(items: list[dict[str, Any]], article: ArticleIn, in_article_count: int) -> list[ImagePromptOut]:
    """Keep the first featured prompt (or make one from the title) and the first n in-article ones, renumbered."""
    featured = next((i["prompt"] for i in items if i["kind"] == "featured" and i["prompt"].strip()), None)
    featured = featured or f"Featured image for an article titled “{article.title}”, no text."
    inline = sorted(
        (i for i in items if i["kind"] == "in_article" and i["prompt"].strip()), key=lambda i: i["position"]
    )
    prompts = [ImagePromptOut("featured", 0, featured.strip())]
    prompts += [
        ImagePromptOut("in_article", n, i["prompt"].strip()) for n, i in enumerate(inline[:in_article_count], 1)
    ]
    return prompts


def _image_params(model: str, size: str, quality: str) -> dict[str, Any]:
    """DALL·E takes response_format and standard/hd; GPT image models always return base64 and take low..high."""
    if model.startswith("dall-e"):
        return {"response_format": "b64_json", "quality": "hd" if quality in ("hd", "high") else "standard"}
    mapped = {"standard": "medium", "hd": "high"}.get(quality, quality)
    return {"output_format": "png", "quality": mapped}


def _png_image(raw: bytes, usage: Usage) -> ImageOut:
    """Return the image as PNG (converting if the API sent another format) with its real size."""
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            if image.format == "PNG":
                return ImageOut(data=raw, width=image.width, height=image.height)
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            return ImageOut(data=buffer.getvalue(), width=image.width, height=image.height)
    except (UnidentifiedImageError, OSError) as exc:
        raise ProviderError(
            f"OpenAI generate_image returned data that is not an image: {exc}", permanent=True, usage=usage
        ) from exc
