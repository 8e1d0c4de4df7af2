"""`insert_many`: `bulk_create` for the engine's hot paths, without its SQL compiler.

`QuerySet.bulk_create` builds every row through the SQL compiler: per field of every row it resolves the value
as a possible expression, checks it, prepares it and renders a placeholder, which costs more than the database
spends inserting the row. Here each value goes through its field's own `get_db_prep_save` (the same conversion,
so the rows are the same; values it would give back unchanged — None, a str for Django's text fields, an int for
its integer fields and keys to them, an aware datetime or a finite decimal on PostgreSQL — go in as they are; a
dict or list several rows share is prepared once), the statement is rendered once per batch, and the new primary
keys are read back with RETURNING. The fields' `pre_save` runs as it does for `bulk_create` (`auto_now_add`
stamps), and a related object saved since it was assigned gives its key (as `bulk_create` does). `unsaved` makes
the instances for it without Django's `Model.__init__`.

What it does not do, where `bulk_create` would: expressions as values, `db_default`, conflicts (`ignore_conflicts`,
`update_conflicts`), parents of multi-table inheritance. A model with any of those uses `bulk_create`; so does a
database that cannot return rows from a bulk insert. On PostgreSQL the rows travel as one JSON parameter read
back column by column (`INSERT … SELECT (r.value->>0)::bigint, … FROM jsonb_array_elements(%s)`): psycopg
quotes one string in C, where it quotes array parameters (Django's UNNEST form) and long VALUES lists element
by element in Python. A column type or value JSON does not carry exactly (bytes, dates, UUIDs, an infinite
float) makes it a VALUES list, as everywhere else.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connections, models, router
from django.db.models import Field, Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from psycopg.types.json import Jsonb

MAX_PARAMETERS = 65535
def unsaved(model: Any, **values: Any) -> Any:
    """A new instance, as `model(**values)` makes it, for `insert_many`: every field's default, then `values` (by
    attribute name, or a related object by its field's name: its key taken, the object cached).

    Django's `Model.__init__` goes through every field's descriptor and the init signals: about 20 µs for a run
    or a step, three times per run started. Here the defaults are copied from a template made once per model (a
    callable default is called). A model with init signal receivers (an event source's snapshot) is made by its
    own `__init__`."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model(**values)
    constants, made, relations, names = _template(model)
    instance = model.__new__(model)
    instance._state = ModelState()
    attributes = instance.__dict__
    attributes.update(constants)
    for attname, make in made:
        attributes[attname] = make()
    for name, value in values.items():
        relation = relations.get(name)
        if relation is not None:
            attributes[relation.attname] = None if value is None else value.pk
            relation.set_cached_value(instance, value)
        elif name in names:
            attributes[name] = value
        else:
            raise TypeError(f"{model.__name__}() got an unexpected keyword argument '{name}'")
    return instance


@cache
def _template(
    model: Any,
) -> tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]], dict[str, Field], frozenset[str]]:
    """A model's field defaults (constant ones, and the callables that make the others), its relations by name,
    and the attribute names a value may be given by."""
    constants: dict[str, Any] = {}
    made: list[tuple[str, Callable[[], Any]]] = []
    for field in model._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            made.append((field.attname, field.default))
        else:
            constants[field.attname] = field.get_default()
    relations = {field.name: field for field in model._meta.concrete_fields if field.is_relation}
    names = frozenset(field.attname for field in model._meta.concrete_fields)
    return constants, made, relations, names


def insert_many(model: type[Model], instances: Sequence[Model]) -> None:
    """Insert new `instances` of `model` (no primary key yet); each gets its primary key."""
    if not instances:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    if not connection.features.can_return_rows_from_bulk_insert or meta.parents:
        model._default_manager.using(alias).bulk_create(instances)
        return
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    for instance in instances:
        if instance.pk is not None:
            raise ValueError(f"insert_many inserts new rows: {instance!r} has a primary key")
        _take_related_keys(instance, fields)
    rows = _rows(instances, fields, connection)
    quote = connection.ops.quote_name
    start = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
    returning = f"RETURNING {quote(meta.pk.column)}"
    keys: list[Any] = []
    types = [field.db_type(connection).split("(")[0] for field in fields]
    as_json = _json_rows(rows, types) if connection.vendor == "postgresql" and len(rows) > 1 else None
    with connection.cursor() as cursor:
        if as_json is not None:
            # (a jsonb column's value travels as its JSON text: `->>` gives it back, the cast parses it)
            values = ", ".join(f"(r.value->>{index})::{kind}" for index, kind in enumerate(types))
            cursor.execute(
                f"{start} SELECT {values} FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS r(value, n) "
                f"ORDER BY r.n {returning}",
                [as_json],
            )
            keys = cursor.fetchall()
        else:
            # Rows per statement: the database's own limit (SQLite's parameters), and at most MAX_PARAMETERS
            # values (PostgreSQL's protocol numbers them in 16 bits).
            allowed = connection.ops.bulk_batch_size(fields, instances) or len(instances)
            size = max(1, min(allowed, MAX_PARAMETERS // len(fields)))
            row = "(" + ", ".join(["%s"] * len(fields)) + ")"
            for first in range(0, len(rows), size):
                batch = rows[first : first + size]
                params = [value for values in batch for value in values]
                cursor.execute(f"{start} VALUES {', '.join([row] * len(batch))} {returning}", params)
                keys += cursor.fetchall()
    for instance, (key,) in zip(instances, keys, strict=True):
        instance.pk = meta.pk.to_python(key)
        instance._state.adding, instance._state.db = False, alias


# PostgreSQL column types whose values JSON carries as text their cast reads back exactly.
_JSON_CARRIED = frozenset(
    {
        "varchar",
        "text",
        "integer",
        "bigint",
        "smallint",
        "boolean",
        "numeric",
        "double precision",
        "timestamp with time zone",
        "jsonb",
    }
)


def _json_rows(rows: list[list[Any]], types: list[str]) -> str | None:
    """The rows as one JSON array of arrays, every value as the text its column's cast reads (a Jsonb value as
    its JSON text); None when a column's type or a value is not one JSON carries exactly."""
    if any(kind not in _JSON_CARRIED for kind in types):
        return None
    carried = []
    texts: dict[int, str | bytes] = {}  # a Jsonb value several rows share (see _rows), written once
    for row in rows:
        out: list[Any] = []
        for value in row:
            if value is None or isinstance(value, (str, int)):  # (bool, and psycopg's Int8 for keys, are ints)
                out.append(value)
            elif isinstance(value, float) and math.isfinite(value):  # (its repr reads back as the same double)
                out.append(value)
            elif isinstance(value, Jsonb):
                if id(value) not in texts:
                    texts[id(value)] = (value.dumps or json.dumps)(value.obj)
                out.append(texts[id(value)])
            elif isinstance(value, datetime):
                out.append(value.isoformat())
            elif isinstance(value, Decimal) and value.is_finite():
                out.append(str(value))
            else:
                return None
        carried.append(out)
    return json.dumps(carried)


def _take_related_keys(instance: Model, fields: list[Field]) -> None:
    for field in fields:
        if field.is_relation and field.is_cached(instance) and getattr(instance, field.attname) is None:
            related = field.get_cached_value(instance)
            if related is not None:
                if related.pk is None:
                    raise ValueError(f"insert_many: {field.name} of {instance!r} is not saved")
                setattr(instance, field.attname, related.pk)


# Django's own fields (these exact classes) whose get_db_prep_save gives back None unchanged, and the text ones
# a str too: such values skip the call (most of a run's columns are empty or text).
_NONE_KEPT = frozenset(
    {
        models.BigIntegerField, models.BooleanField, models.DateTimeField, models.DecimalField, models.FloatField,
        models.ForeignKey, models.IntegerField, models.JSONField, models.PositiveIntegerField,
        models.PositiveSmallIntegerField, models.SmallIntegerField,
    }
)  # fmt: skip
_TEXT = frozenset({models.CharField, models.TextField})
# ... and the integer ones (and keys to them) an int: `int(value)` gives it back (a bool is not an int here: its
# type is bool).
_INTEGERS = frozenset(
    {
        models.AutoField, models.BigAutoField, models.BigIntegerField, models.IntegerField,
        models.PositiveIntegerField, models.PositiveSmallIntegerField, models.SmallIntegerField,
    }
)  # fmt: skip


@dataclass(frozen=True)
class _Column:
    field: Field
    stamped: bool  # its pre_save may change the value (auto_now, auto_now_add, files): called
    kept: tuple[type, ...]  # values of these types go in as they are
    # ... and, on PostgreSQL (which takes them as they are), aware datetimes or finite decimals
    postgresql_kept: type | None = None

    @classmethod
    def of(cls, field: Field, connection: Any) -> _Column:
        plain_date = isinstance(field, models.DateField) and not (field.auto_now or field.auto_now_add)
        stamped = type(field).pre_save is not Field.pre_save and not plain_date
        kind = type(field)
        kept: tuple[type, ...] = ()
        if kind in _TEXT:
            kept = (str, type(None))
        elif kind in _INTEGERS or (kind is models.ForeignKey and type(field.target_field) in _INTEGERS):
            kept = (int, type(None))
        elif kind in _NONE_KEPT:
            kept = (type(None),)
        postgresql_kept = None
        if connection.vendor == "postgresql" and kind in (models.DateTimeField, models.DecimalField):
            postgresql_kept = datetime if kind is models.DateTimeField else Decimal
        return cls(field, stamped, kept, postgresql_kept)


def _as_it_is(value: Any) -> bool:
    """An aware datetime, a finite decimal: what a DateTimeField, a DecimalField gives PostgreSQL unchanged."""
    return value.is_finite() if isinstance(value, Decimal) else value.utcoffset() is not None


def _rows(instances: Sequence[Model], fields: list[Field], connection: Any) -> list[list[Any]]:
    columns = [_Column.of(field, connection) for field in fields]
    # A dict or list several rows share (an event's payload in the runs it starts) is prepared once per column.
    shared: list[dict[int, Any]] = [{} for _column in columns]
    rows = []
    for instance in instances:
        row = []
        for column, prepared in zip(columns, shared, strict=True):
            field = column.field
            value = field.pre_save(instance, True) if column.stamped else getattr(instance, field.attname)
            if type(value) in column.kept or (type(value) is column.postgresql_kept and _as_it_is(value)):
                row.append(value)
                continue
            if type(value) in (dict, list):
                key = id(value)  # (the instances hold the value for as long as this runs: its id stays its own)
                if key not in prepared:
                    prepared[key] = field.get_db_prep_save(value, connection)
                row.append(prepared[key])
                continue
            if hasattr(value, "resolve_expression"):
                raise ValueError(f"insert_many: {field.name} is an expression; use bulk_create")
            row.append(field.get_db_prep_save(value, connection))
        rows.append(row)
    return rows
