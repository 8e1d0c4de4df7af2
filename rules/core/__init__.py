"""The engine's pure core: decisions with no database, no Celery and no web framework.

Conditions, schedules, run modes, the loop guard and causation, the event catalog, step transitions, the
action contract and the registries every plugin registers in. The engine (`rules`) applies them to rows;
plugins (`actions`) implement the contract. Import contracts in `.importlinter` keep it this way.
"""
