"""huey's storage on the product's own database (SQLite or PostgreSQL), through the
app's session factory: one queue, nothing else to run or back up.

A dequeue takes the oldest ready message and deletes it in one transaction: on
PostgreSQL with ``FOR UPDATE SKIP LOCKED`` (consumers on several nodes never take the
same message), on SQLite under the write lock that BEGIN IMMEDIATE takes. An idle
consumer's polls (about every 2 s, and huey's schedule check every second) are reads:
the write lock is asked for only when there is something to take.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from huey.constants import EmptyData
from huey.storage import BaseStorage
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from rentals import db
from rentals.queue.models import QueueData, QueueMessage


def _aware(ts: datetime) -> datetime:
    """huey passes naive UTC timestamps (``utc=True``)."""
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


class DatabaseStorage(BaseStorage):
    blocking = False
    priority = True

    def __init__(
        self, name: str = "rentals", *, factory: Callable[[], sessionmaker[Session]], **_: Any
    ) -> None:
        super().__init__(name)
        self._factory = factory

    def _session(self) -> Session:
        return self._factory()()

    # -- queue -----------------------------------------------------------------------

    def enqueue(self, data: bytes, priority: float | None = None) -> None:
        with self._session() as session, session.begin():
            session.add(QueueMessage(queue=self.name, priority=priority or 0, data=data))

    def _take(self, session: Session, where: Any, limit: int | None) -> list[bytes]:
        query = (
            select(QueueMessage.id, QueueMessage.data)
            .where(QueueMessage.queue == self.name, where)
            .order_by(QueueMessage.priority.desc(), QueueMessage.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = session.execute(query).all()
        if rows:
            session.execute(delete(QueueMessage).where(QueueMessage.id.in_([r.id for r in rows])))
        return [r.data for r in rows]

    def _any(self, where: Any) -> bool:
        """A read first: an idle consumer polls often, and on SQLite only a transaction
        that will take something should ask for the write lock."""
        token = db.write_intent.set(False)
        try:
            with self._session() as session:
                query = select(QueueMessage.id).where(QueueMessage.queue == self.name, where)
                return session.execute(query.limit(1)).first() is not None
        finally:
            db.write_intent.reset(token)

    def dequeue(self) -> bytes | None:
        ready = QueueMessage.eta.is_(None)
        if not self._any(ready):
            return None
        with self._session() as session, session.begin():
            taken = self._take(session, ready, 1)
        return taken[0] if taken else None

    def _count(self, where: Any) -> int:
        with self._session() as session:
            query = select(func.count()).where(QueueMessage.queue == self.name, where)
            return int(session.execute(query).scalar_one())

    def _items(self, where: Any, limit: int | None, order: Any) -> list[bytes]:
        with self._session() as session:
            query = (
                select(QueueMessage.data)
                .where(QueueMessage.queue == self.name, where)
                .order_by(order, QueueMessage.id)
                .limit(limit)
            )
            return list(session.execute(query).scalars())

    def _flush(self, where: Any) -> None:
        with self._session() as session, session.begin():
            session.execute(delete(QueueMessage).where(QueueMessage.queue == self.name, where))

    def queue_size(self) -> int:
        return self._count(QueueMessage.eta.is_(None))

    def enqueued_items(self, limit: int | None = None) -> list[bytes]:
        return self._items(QueueMessage.eta.is_(None), limit, QueueMessage.priority.desc())

    def flush_queue(self) -> None:
        self._flush(QueueMessage.eta.is_(None))

    # -- schedule (retries with a delay, tasks with an eta) ---------------------------

    def add_to_schedule(self, data: bytes, ts: datetime) -> None:
        with self._session() as session, session.begin():
            session.add(QueueMessage(queue=self.name, eta=_aware(ts), data=data))

    def read_schedule(self, ts: datetime) -> list[bytes]:
        due = QueueMessage.eta <= _aware(ts)
        if not self._any(due):
            return []
        with self._session() as session, session.begin():
            return self._take(session, due, None)

    def schedule_size(self) -> int:
        return self._count(QueueMessage.eta.is_not(None))

    def scheduled_items(self, limit: int | None = None) -> list[bytes]:
        return self._items(QueueMessage.eta.is_not(None), limit, QueueMessage.eta)

    def flush_schedule(self) -> None:
        self._flush(QueueMessage.eta.is_not(None))

    # -- key/value data (locks, revocations) -------------------------------------------

    def _get(self, session: Session, key: str) -> QueueData | None:
        return session.get(QueueData, (self.name, key))

    def put_data(self, key: str, value: bytes, is_result: bool = False) -> None:
        with self._session() as session, session.begin():
            row = self._get(session, key)
            if row is None:
                session.add(QueueData(queue=self.name, key=key, value=value))
            else:
                row.value = value

    def peek_data(self, key: str) -> Any:
        with self._session() as session:
            row = self._get(session, key)
            return EmptyData if row is None else row.value

    def pop_data(self, key: str) -> Any:
        with self._session() as session, session.begin():
            row = self._get(session, key)
            if row is None:
                return EmptyData
            value = row.value
            session.delete(row)
            return value

    def has_data_for_key(self, key: str) -> bool:
        return self.peek_data(key) is not EmptyData

    def put_if_empty(self, key: str, value: bytes, ttl: int | None = None) -> bool:
        with self._session() as session, session.begin():
            if self._get(session, key) is not None:
                return False
            session.add(QueueData(queue=self.name, key=key, value=value))
            return True

    def result_store_size(self) -> int:
        with self._session() as session:
            query = select(func.count()).where(QueueData.queue == self.name)
            return int(session.execute(query).scalar_one())

    def result_items(self) -> dict[str, bytes]:
        with self._session() as session:
            rows = session.execute(
                select(QueueData.key, QueueData.value).where(QueueData.queue == self.name)
            ).all()
            return {r.key: r.value for r in rows}

    def flush_results(self) -> None:
        with self._session() as session, session.begin():
            session.execute(delete(QueueData).where(QueueData.queue == self.name))
