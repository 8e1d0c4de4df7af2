"""Each content action run alone through rules/{id}/execute/ with the local provider."""

from __future__ import annotations

from decimal import Decimal

from PIL import Image as PILImage

from backend.billing.models import CreditTransaction
from backend.planner.models import Cluster, ContentIdea, Keyword
from backend.writer.models import Content, Image, Task


def debits(run_id: str) -> Decimal:
    return sum((t.amount for t in CreditTransaction.objects.filter(run_id=run_id, kind="debit")), Decimal("0"))


def test_it_clusters_up_to_twenty_keywords_by_meaning(demo_keywords, execute, eager):
    run = execute("cluster_keywords")
    assert run["status"] == "completed"
    mapped = Keyword.objects.filter(status="mapped")
    assert mapped.count() == 20 and not mapped.filter(cluster__isnull=True).exists()
    clusters = Cluster.objects.all()
    assert 2 <= clusters.count() < 20 and set(clusters.values_list("status", flat=True)) == {"new"}
    step = run["steps"][0]
    assert step["input_count"] == 20 and step["result"]["keywords_mapped"] == 20
    assert step["output_count"] == step["result"]["clusters_created"] == clusters.count()  # stage 1 makes clusters
    assert debits(run["run_id"]) == Decimal("4.00")  # 1 per 5 keywords


def test_it_reuses_a_cluster_name_already_on_the_site(demo_keywords, execute, eager):
    execute("cluster_keywords", {"drain": True})
    names = list(Cluster.objects.values_list("name", flat=True))
    assert len(names) == len(set(n.lower() for n in names))
    assert Keyword.objects.filter(status="new").count() == 0
    coffee = [k for k in demo_keywords if "coffee" in k.text]
    clusters_of_coffee = Cluster.objects.filter(keywords__in=coffee).distinct().count()
    assert clusters_of_coffee <= 3  # coffee keywords grouped, not one cluster each


def test_it_generates_ideas_and_maps_the_cluster(alice, demo_keywords, execute, eager):
    execute("cluster_keywords")
    run = execute("generate_ideas", {"ideas_per_cluster": 3})
    cluster = Cluster.objects.get(status="mapped")
    ideas = ContentIdea.objects.filter(cluster=cluster)
    assert ideas.count() == 3 and len(set(ideas.values_list("title", flat=True))) == 3
    assert all(i.description and i.content_type and i.content_structure for i in ideas)
    assert ideas.first().target_keywords.exists()
    assert debits(run["run_id"]) == Decimal("2")


def test_it_queues_ideas_to_the_writer_for_free(alice, execute, eager):
    ideas = [ContentIdea.objects.create(site=alice.site, title=f"Idea {i}") for i in range(3)]
    run = execute("queue_to_writer")
    assert Task.objects.filter(status="queued").count() == 3
    assert set(ContentIdea.objects.values_list("status", flat=True)) == {"queued"}
    assert Task.objects.get(idea=ideas[0]).title == "Idea 0"
    assert debits(run["run_id"]) == 0 and run["steps"][0]["output_count"] == 3


def test_it_writes_content_with_the_real_word_count_and_charges_by_words(alice, execute, eager):
    idea = ContentIdea.objects.create(site=alice.site, title="How to brew cold brew coffee", status="queued")
    Task.objects.create(site=alice.site, idea=idea, title=idea.title, target_word_count=1200)
    run = execute("generate_content")
    content = Content.objects.get()
    assert content.status == "draft" and 1000 <= content.word_count <= 1400
    assert "<h2>" in content.html_content and "Frequently Asked Questions" in content.html_content
    assert Task.objects.get().status == "completed" and ContentIdea.objects.get().status == "completed"
    assert debits(run["run_id"]) == Decimal(-(-content.word_count // 500))  # 1 per 500 words, rounded up


def test_it_writes_image_prompts_from_the_article(alice, execute, eager):
    Content.objects.create(
        site=alice.site,
        title="Cold brew guide",
        primary_keyword="cold brew",
        html_content="<p>Intro</p><h2>Choosing beans</h2><p>x</p><h2>Steeping time</h2><p>y</p>"
        "<h2>Serving ideas</h2><p>z</p>",
    )
    run = execute("generate_image_prompts", {"in_article_count": 2})
    images = list(Image.objects.order_by("kind", "position"))
    assert [(i.kind, i.position, i.status) for i in images] == [
        ("featured", 0, "pending"),
        ("in_article", 1, "pending"),
        ("in_article", 2, "pending"),
    ]
    assert "Cold brew guide" in images[0].prompt or "cold brew" in images[0].prompt.lower()
    assert debits(run["run_id"]) == Decimal("1.5")


def test_it_renders_pending_images_to_png_files(alice, execute, eager):
    content = Content.objects.create(site=alice.site, title="A")
    image = Image.objects.create(site=alice.site, content=content, kind="featured", prompt="a cup of coffee")
    run = execute("generate_images", {"size": "512x512"})
    image.refresh_from_db()
    assert image.status == "generated" and image.file.name.endswith(".png")
    with PILImage.open(image.file.path) as picture:
        assert picture.size == (512, 512)
    assert debits(run["run_id"]) == Decimal("1")


def test_it_scores_content_and_fixes_meta_lengths(alice, execute, eager):
    content = Content.objects.create(
        site=alice.site,
        title="Cold brew coffee at home",
        primary_keyword="cold brew",
        meta_title="x" * 90,
        html_content="<p>Cold brew is easy.</p>"
        + "".join(f"<h2>Cold brew step {i}</h2><p>{'word ' * 150}</p>" for i in range(4)),
    )
    run = execute("optimize_content")
    content.refresh_from_db()
    assert len(content.meta_title) <= 60 and 120 <= len(content.meta_description) <= 160
    assert content.seo_score is not None and content.seo_score >= 60
    assert run["steps"][0]["output_count"] == 1 and debits(run["run_id"]) == 0


def test_it_charges_nothing_for_a_failed_item_and_goes_on(alice, execute, eager):
    Content.objects.create(site=alice.site, title="Empty")  # no body: its prompts cannot be drawn
    good = Content.objects.create(site=alice.site, title="Full", html_content="<p>x</p><h2>A</h2><p>y</p>")
    run = execute("generate_image_prompts", {"limit": 2, "in_article_count": 1})
    step = run["steps"][0]
    assert step["status"] == "completed" and step["output_count"] == 2
    assert "has no title or body" in step["result"]["errors"][0]
    assert Image.objects.filter(content=good).count() == 2 and debits(run["run_id"]) == Decimal("1")


def test_it_refuses_unknown_params_when_the_rule_is_saved(api):
    response = api.post(
        "/api/v1/automation/rules/",
        {
            "name": "x",
            "trigger": {"type": "manual"},
            "actions": [{"type": "cluster_keywords", "params": {"batch_size": 50}}],
        },
        format="json",
    )
    assert response.status_code == 400 and "actions.0.params.batch_size" in response.json()


def test_it_writes_several_articles_at_once_with_concurrency(alice, execute, eager, settings):
    from django.db import connection

    if connection.vendor == "sqlite":
        import pytest

        pytest.skip("items run one at a time on SQLite (one writer)")
    import actions.ai.providers.local  # noqa: F401  (loaded before timing: its first import is slow)

    settings.AI_LOCAL_LATENCY = 0.4
    for i in range(4):
        idea = ContentIdea.objects.create(site=alice.site, title=f"Guide {i}", status="queued")
        Task.objects.create(site=alice.site, idea=idea, title=idea.title, target_word_count=300)
    step = execute("generate_content", {"drain": True, "concurrency": 4})["steps"][0]
    assert step["output_count"] == 4 and Content.objects.count() == 4
    assert step["duration_seconds"] < 1.2  # four 0.4 s provider calls overlapped (one after another: 1.6 s)
