"""Realistic keyword sets of any size for the pipeline benchmarks, built from the demo's six topics.

A keyword is a *subject* of a topic (what the search is about: "espresso machine", "shin splints")
with a *modifier* template (how people search: "best {s}", "{s} for beginners", "how to clean a {s}").
Every topic has 30 subjects and there are 60 templates, so 6 × 30 × 60 = 10,800 distinct keywords; a set
of N is a deterministic sample of them (seeded), shuffled so consecutive keywords (one clustering
batch) mix topics and subjects as a real import does. Variants of one subject share its topic words
(the local provider ignores the modifiers), so clustering has real groups to find. Volume, difficulty
and intent are drawn per keyword from the same seeded generator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SUBJECTS: dict[str, tuple[str, ...]] = {
    "coffee brewing": (
        "pour over coffee",
        "coffee grinder",
        "french press",
        "cold brew coffee",
        "aeropress",
        "espresso machine",
        "coffee beans",
        "chemex",
        "latte art",
        "moka pot",
        "burr grinder",
        "milk frother",
        "decaf coffee",
        "drip coffee maker",
        "coffee scale",
        "gooseneck kettle",
        "single origin coffee",
        "coffee roasting",
        "iced coffee",
        "cappuccino",
        "flat white",
        "cortado",
        "turkish coffee",
        "siphon coffee",
        "nitro cold brew",
        "coffee descaler",
        "espresso tamper",
        "coffee storage",
        "light roast coffee",
        "dark roast coffee",
    ),
    "running": (
        "running shoes",
        "couch to 5k",
        "marathon training",
        "trail running",
        "shin splints",
        "running cadence",
        "gps running watch",
        "half marathon pace",
        "running stretches",
        "running breathing",
        "interval running",
        "tempo run",
        "running injuries",
        "running socks",
        "treadmill running",
        "running form",
        "long run",
        "running nutrition",
        "energy gels",
        "running hydration vest",
        "plantar fasciitis",
        "runner knee",
        "foam roller",
        "running in cold weather",
        "ultramarathon",
        "track workouts",
        "hill repeats",
        "recovery run",
        "race day checklist",
        "barefoot running",
    ),
    "python programming": (
        "python list comprehension",
        "python csv file",
        "python virtual environment",
        "django rest framework",
        "python async await",
        "pandas dataframe",
        "python decorators",
        "pip packages",
        "python type hints",
        "flask web app",
        "pytest unit testing",
        "python dictionary",
        "python generators",
        "python dataclasses",
        "python logging",
        "python regex",
        "python json parsing",
        "python web scraping",
        "numpy arrays",
        "python classes",
        "python exceptions",
        "python multiprocessing",
        "python string formatting",
        "python lambda functions",
        "python sets",
        "python file handling",
        "fastapi",
        "sqlalchemy orm",
        "python poetry",
        "jupyter notebook",
    ),
    "houseplants": (
        "low light indoor plants",
        "monstera",
        "snake plant",
        "pothos",
        "succulent soil",
        "fiddle leaf fig",
        "pet safe houseplants",
        "peace lily",
        "tropical plant humidity",
        "indoor plant fertilizer",
        "calathea",
        "spider plant",
        "zz plant",
        "rubber plant",
        "aloe vera plant",
        "orchid care",
        "bonsai tree",
        "string of pearls",
        "grow lights",
        "self watering pots",
        "repotting plants",
        "fungus gnats",
        "plant propagation",
        "cactus care",
        "bird of paradise plant",
        "philodendron",
        "hanging plants",
        "herb garden indoors",
        "air purifying plants",
        "terrarium",
    ),
    "personal finance": (
        "emergency fund",
        "high yield savings account",
        "50 30 20 budget",
        "credit card debt",
        "roth ira",
        "index funds",
        "credit score",
        "debt snowball",
        "retirement savings",
        "budgeting app",
        "investing",
        "sinking funds",
        "401k match",
        "student loans",
        "mortgage refinance",
        "net worth tracking",
        "dividend stocks",
        "tax refund",
        "side hustle",
        "frugal living",
        "car insurance",
        "life insurance",
        "health savings account",
        "certificate of deposit",
        "bond funds",
        "financial independence",
        "zero based budget",
        "personal loan",
        "credit freeze",
        "estate planning",
    ),
    "home workouts": (
        "full body workout",
        "adjustable dumbbells",
        "resistance bands",
        "hiit workout",
        "push up",
        "home workout plan",
        "yoga mat",
        "kettlebell swing",
        "core exercises",
        "pull up bar",
        "bodyweight squat",
        "jump rope workout",
        "plank variations",
        "glute bridge",
        "burpees",
        "mobility routine",
        "stretching routine",
        "tabata workout",
        "dumbbell rows",
        "lunges",
        "ab roller",
        "exercise bike",
        "rowing machine",
        "weighted vest",
        "workout for seniors",
        "postpartum workout",
        "desk exercises",
        "calisthenics",
        "home gym setup",
        "foam roller exercises",
    ),
}

MODIFIERS: tuple[str, ...] = (
    "{s}",
    "best {s}",
    "{s} for beginners",
    "how to use {s}",
    "{s} guide",
    "{s} tips",
    "cheap {s}",
    "{s} review",
    "{s} vs alternatives",
    "what is {s}",
    "{s} mistakes",
    "{s} checklist",
    "{s} near me",
    "{s} for experts",
    "{s} at home",
    "{s} explained",
    "easy {s}",
    "{s} ideas",
    "{s} examples",
    "top {s}",
    "{s} tutorial",
    "{s} step by step",
    "{s} for kids",
    "{s} for women",
    "{s} for men",
    "{s} on a budget",
    "{s} 2026",
    "learn {s}",
    "why {s}",
    "{s} benefits",
    "{s} problems",
    "{s} myths",
    "{s} questions",
    "{s} for small spaces",
    "advanced {s}",
    "{s} plan",
    "{s} schedule",
    "{s} routine",
    "{s} course",
    "{s} books",
    "{s} accessories",
    "{s} price",
    "affordable {s}",
    "{s} comparison",
    "{s} pros and cons",
    "{s} faq",
    "{s} tricks",
    "{s} for busy people",
    "{s} for seniors",
    "{s} mistakes to avoid",
    "simple {s}",
    "{s} ultimate guide",
    "{s} quick start",
    "{s} without equipment",
    "{s} for students",
    "{s} reddit",
    "{s} cost",
    "{s} beginners guide",
    "{s} hacks",
    "{s} essentials",
)

INTENTS = ("informational", "commercial", "transactional", "navigational")


@dataclass(frozen=True)
class KeywordSpec:
    text: str
    topic: str
    subject: str
    volume: int
    difficulty: int
    intent: str


def keyword_set(count: int, *, seed: int = 8) -> list[KeywordSpec]:
    """`count` distinct keywords (at most 10,800), deterministic for a seed, topics and subjects mixed."""
    pool = [
        (topic, subject, template)
        for topic, subjects in SUBJECTS.items()
        for subject in subjects
        for template in MODIFIERS
    ]
    if count > len(pool):
        raise ValueError(f"at most {len(pool)} distinct keywords, asked for {count}")
    rng = random.Random(seed)
    chosen = rng.sample(pool, count)  # a random sample in random order
    out = []
    for topic, subject, template in chosen:
        out.append(
            KeywordSpec(
                text=template.format(s=subject),
                topic=topic,
                subject=subject,
                volume=int(10 * round(rng.lognormvariate(6.5, 1.3) / 10)) or 10,
                difficulty=rng.randint(1, 95),
                intent=rng.choice(INTENTS),
            )
        )
    return out


def keywords_insert(site, specs: list[KeywordSpec]) -> int:
    """Insert the keywords for a site in bulk (no per-row events: the pipeline is what is measured)."""
    from backend.planner.models import Keyword

    rows = [
        Keyword(
            site_id=site.pk,
            account_id=site.account_id,
            text=s.text,
            volume=s.volume,
            difficulty=s.difficulty,
            intent=s.intent,
        )
        for s in specs
    ]
    Keyword.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
