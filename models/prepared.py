"""Statements run on every update, compiled once and handed straight to the driver.

SQLAlchemy's execution path (cache key, execution context, parameter and result processing,
and for ORM selects a fresh set of row loaders per execution) cost the bot far more than the
statements themselves: measured by bench/updates.py on SQLite, a /help update spent ~1.2 ms
in its transaction, of which the three statements took ~0.1 ms in SQLite. A `Prepared`
statement does what that path does for a plain positional statement and nothing else: the SQL
and its parameter converters are worked out once per dialect, each run converts the values,
executes on the session's own connection (inside the session's transaction, so the unit of
work, commit and rollback are unchanged), converts the result columns, and reports errors as
SQLAlchemy does (a lost PostgreSQL connection invalidates the pool). `Entities` turns rows of
an entity select into persistent ORM objects without the per-execution loader setup.

Only statements without post-compile parameters (`IN` lists) or Python-side defaults qualify;
the constructor refuses others, so a statement changed later cannot silently lose a default.
Everything else goes through the session as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, Session, class_mapper
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...]
    binds: tuple[Processor, ...]  # one per position
    defaults: Mapping[str, Any]  # values fixed in the statement (e.g. a status literal)
    result_columns: tuple[tuple[Any, ...], ...]  # SQLAlchemy's (key, name, objects, type)
    sequence: Callable[[list[Any]], Sequence[Any]]


class Prepared:
    """A Core statement, run on the session's connection without SQLAlchemy's execution path.

    `column_keys`: for an INSERT or UPDATE given a dict of values, the keys it will be given
    (the statement is compiled for exactly those columns).
    """

    def __init__(self, statement: ClauseElement, *, column_keys: Sequence[str] | None = None):
        self.statement = statement
        self._keys = list(column_keys) if column_keys is not None else None
        self._by_dialect: dict[str, _Compiled] = {}
        self._results: dict[str, tuple[Processor, ...]] = {}  # one per result column

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled: Any = self.statement.compile(dialect=dialect, column_keys=self._keys)
        if not compiled.positional:
            raise ValueError(f"{dialect.name}: a positional paramstyle is expected")
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("statements with expanding parameters are not prepared")
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("statements with Python-side defaults are not prepared")
        processors = compiled._bind_processors
        positions = tuple(compiled.positiontup)
        defaults = {
            name: bind.effective_value
            for name, bind in compiled.binds.items()
            if not bind.required and bind.callable is None
        }
        columns = tuple(tuple(c) for c in compiled._result_columns)
        return _Compiled(
            sql=compiled.string,
            positions=positions,
            binds=tuple(processors.get(name) for name in positions),
            defaults=defaults,
            result_columns=columns,
            sequence=dialect.execute_sequence_format,
        )

    def execute(self, session: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run in the session's transaction (call it inside SQLAlchemy's greenlet, e.g. through
        `AsyncSession.run_sync`); the result rows, converted, or [] for none."""
        if self._keys is not None and len(params) != len(self._keys):
            # Compiled for exactly these columns: another would be left out without a word.
            raise ValueError(f"expected values for {self._keys}, got {sorted(params)}")
        connection = session.connection()
        compiled = self.compiled(connection.dialect)
        defaults = compiled.defaults
        values = []
        for name, convert in zip(compiled.positions, compiled.binds, strict=True):
            value = params[name] if name in params else defaults[name]
            values.append(value if convert is None else convert(value))
        parameters = compiled.sequence(values)
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, parameters)
            description = cursor.description
            rows = cursor.fetchall() if description else []
        except Exception as error:
            _raise_as_sqlalchemy(connection, error, compiled.sql, parameters, cursor)
        finally:
            cursor.close()
        if not rows:
            return []
        results = self._results.get(connection.dialect.name)
        if results is None:
            results = self._results[connection.dialect.name] = _result_processors(
                connection.dialect, compiled, description
            )
        if not any(results):
            return [tuple(row) for row in rows]
        return [
            tuple(v if f is None else f(v) for f, v in zip(results, row, strict=True))
            for row in rows
        ]

    async def run(self, session: AsyncSession, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return await session.run_sync(self.execute, params)


def _result_processors(
    dialect: Dialect, compiled: _Compiled, description: Sequence[Any]
) -> tuple[Processor, ...]:
    # As SQLAlchemy's result metadata: some drivers' converters depend on the type code the
    # driver reports for the column (asyncpg's numerics), so they are made at the first run.
    return tuple(
        column[3]._cached_result_processor(dialect, described[1])
        for column, described in zip(compiled.result_columns, description, strict=True)
    )


def _raise_as_sqlalchemy(
    connection: Connection, error: Exception, sql: str, parameters: Any, cursor: Any
) -> None:
    # SQLAlchemy's own handling: the DBAPI error wrapped as sqlalchemy.exc.* (IntegrityError,
    # …) and, for a lost connection, the connection invalidated and the pool's older ones
    # with it (`connection_invalidated` set), as for any statement run through it.
    connection._handle_dbapi_exception(error, sql, parameters, cursor, None)


# --- ORM objects from rows ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entity:
    mapper: Mapper[Any]
    attributes: tuple[tuple[str, int], ...]  # (attribute key, row index)
    key_indexes: tuple[int, ...]  # the primary key's row indexes, in the mapper's order
    identity_class: type[Any]  # the first part of its identity key (the ORM's own)


class Entities:
    """The entities of a select (`select(A, B, …)`, outer joins allowed), made from its
    `Prepared` rows as the ORM would load them: persistent objects in the session's identity
    map, their columns loaded, the object already there kept as it is (a None entity for
    an outer join that found nothing)."""

    def __init__(self, prepared: Prepared, entities: Sequence[type[Any]]) -> None:
        self.prepared = prepared
        self._classes = tuple(entities)
        self._by_dialect: dict[str, tuple[_Entity, ...]] = {}

    def _layout(self, dialect: Dialect) -> tuple[_Entity, ...]:
        found = self._by_dialect.get(dialect.name)
        if found is not None:
            return found
        columns = self.prepared.compiled(dialect).result_columns
        layout = []
        for cls in self._classes:
            mapper = class_mapper(cls)
            if mapper.class_manager.dispatch.load:
                raise ValueError(f"{cls.__name__} has load listeners, which this does not run")
            by_column: dict[Any, str] = {
                column: prop.key for prop in mapper.column_attrs for column in prop.columns
            }
            attributes: list[tuple[str, int]] = []
            for index, (_key, _name, objects, _type) in enumerate(columns):
                for obj in objects:
                    if isinstance(obj, Column) and obj in by_column:
                        attributes.append((by_column[obj], index))
                        break
            where = dict(attributes)
            missing = [prop.key for prop in mapper.column_attrs if prop.key not in where]
            if missing:
                raise ValueError(f"{cls.__name__}: the statement does not select {missing}")
            keys = tuple(where[mapper.get_property_by_column(c).key] for c in mapper.primary_key)
            layout.append(_Entity(mapper, tuple(attributes), keys, mapper._identity_class))
        found = self._by_dialect[dialect.name] = tuple(layout)
        return found

    def load(self, session: Session, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run the statement (inside SQLAlchemy's greenlet); one tuple of objects per row."""
        rows = self.prepared.execute(session, params)
        if not rows:
            return []
        layout = self._layout(session.connection().dialect)
        return [tuple(_instance(session, entity, row) for entity in layout) for row in rows]

    async def run(self, session: AsyncSession, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return await session.run_sync(self.load, params)


def _instance(session: Session, entity: _Entity, row: tuple[Any, ...]) -> Any:
    """What sqlalchemy.orm.loading does for a row of a new object, without its per-query
    setup: the identity key, the object registered in the identity map, its loaded state."""
    ident = tuple(row[i] for i in entity.key_indexes)
    if any(value is None for value in ident):
        return None  # the outer join found nothing
    key = (entity.identity_class, ident, None)  # as Mapper.identity_key_from_primary_key
    identity_map: Any = session.identity_map
    existing = identity_map.get(key)
    if existing is not None:
        return existing  # as the ORM does: what this session holds is not overwritten
    instance = entity.mapper.class_manager.new_instance()
    state: Any = instance_state(instance)
    values = state.dict
    for attribute, index in entity.attributes:
        values[attribute] = row[index]
    state.key = key
    state.identity_token = None
    state.session_id = session.hash_key
    identity_map._add_unpresent(state, key)
    state._commit_all(values, identity_map)
    return instance
