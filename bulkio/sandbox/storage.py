"""SQLite storage of the sandbox: locations, contacts, notes, tasks, custom fields.

One connection guarded by a lock (the ASGI app and test helpers share it). Contacts are
stored as JSON documents plus indexed columns for matching and keyset pagination.
"""

from __future__ import annotations

import json
import random
import secrets
import sqlite3
import string
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bulkio.errors import InputError

_ALPHABET = string.ascii_letters + string.digits

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS locations (
    id TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE,
    allow_duplicates INTEGER NOT NULL DEFAULT 0,
    priority TEXT NOT NULL DEFAULT '["email","phone"]'
);
CREATE TABLE IF NOT EXISTS contacts (
    id TEXT PRIMARY KEY, location_id TEXT NOT NULL,
    email_lower TEXT, phone TEXT, business_id TEXT,
    date_added INTEGER NOT NULL, date_updated INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_contacts_added ON contacts (location_id, date_added, id);
CREATE INDEX IF NOT EXISTS ix_contacts_email2
    ON contacts (location_id, email_lower, date_added, id);
CREATE INDEX IF NOT EXISTS ix_contacts_phone2 ON contacts (location_id, phone, date_added, id);
CREATE INDEX IF NOT EXISTS ix_contacts_business ON contacts (location_id, business_id, id);
CREATE TEMP TABLE IF NOT EXISTS contacts_index (
    id TEXT PRIMARY KEY, location_id TEXT NOT NULL,
    email_lower TEXT, phone TEXT, business_id TEXT,
    date_added INTEGER NOT NULL, date_updated INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS temp.ix_index_added ON contacts_index (location_id, date_added, id);
CREATE TABLE IF NOT EXISTS custom_fields (
    id TEXT PRIMARY KEY, location_id TEXT NOT NULL, field_key TEXT NOT NULL,
    position INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_cf_location ON custom_fields (location_id, position);
CREATE TABLE IF NOT EXISTS notes (
    id TEXT PRIMARY KEY, contact_id TEXT NOT NULL, location_id TEXT NOT NULL,
    seq INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_notes_contact ON notes (contact_id, seq);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY, contact_id TEXT NOT NULL, location_id TEXT NOT NULL,
    seq INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_tasks_contact ON tasks (contact_id, seq);
CREATE TABLE IF NOT EXISTS appointments (
    id TEXT PRIMARY KEY, contact_id TEXT NOT NULL, location_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_appts_contact ON appointments (contact_id);
CREATE TABLE IF NOT EXISTS companies (
    id TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE, name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS location_info (
    id TEXT PRIMARY KEY, company_id TEXT NOT NULL, name TEXT NOT NULL, address TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, company_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS businesses (
    id TEXT PRIMARY KEY, location_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_businesses_location ON businesses (location_id, seq);
CREATE TABLE IF NOT EXISTS memberships (
    contact_id TEXT NOT NULL, location_id TEXT NOT NULL, kind TEXT NOT NULL,
    ref_id TEXT NOT NULL, event_start_time TEXT,
    PRIMARY KEY (contact_id, kind, ref_id)
);
"""

TABLES = ("contacts", "custom_fields", "notes", "tasks", "appointments", "memberships")
#: the agency side (companies, sub-account names, users, businesses), kept apart from TABLES
DIRECTORY_TABLES = ("companies", "location_info", "users", "businesses")


_RNG = random.Random(secrets.randbits(64))


def new_id(length: int = 20) -> str:
    """A Firestore-like random id (what the API's ids look like; not a secret)."""
    return "".join(_RNG.choices(_ALPHABET, k=length))


def now_ms() -> int:
    """Current time in epoch milliseconds."""
    return int(time.time() * 1000)


def iso_key(key: int) -> str:
    """A :meth:`Store.tick` stamp as the API's ISO 8601 date."""
    return iso_ms(key // 1000)


def iso_ms(ms: int) -> str:
    """Epoch milliseconds -> ISO 8601 with milliseconds and Z, as the API writes dates."""
    secs, rem = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{rem:03d}Z"


class StoreError(InputError):
    """The sandbox database file cannot be created, opened or used (the message says why)."""


class _ForeignDatabase(sqlite3.DatabaseError):
    """A SQLite file holding another program's tables (the sandbox never writes into it)."""


def _open_error(path: Path | None, exc: sqlite3.Error) -> StoreError:
    """One specific :class:`StoreError` for what SQLite said when opening ``path``."""
    reason = str(exc)
    if isinstance(exc, _ForeignDatabase):
        return StoreError(
            f"a SQLite database, but not a sandbox's (it holds tables {reason})", path=path,
            hint="point to another file: the sandbox never writes into other databases",
        )  # fmt: skip
    if "locked" in reason or "busy" in reason:
        return StoreError(
            f"the database is locked by another program ({reason})", path=path,
            hint="stop the other program using it (e.g. a running bulkio sandbox serve) "
                 "or point to another file",
        )  # fmt: skip
    if "readonly" in reason or "read-only" in reason:
        return StoreError(
            f"the database is read-only ({reason})", path=path,
            hint="make the file and its folder writable, or point to another file",
        )  # fmt: skip
    if "unable to open" in reason:
        return StoreError(
            f"cannot open or create the database there ({reason})", path=path,
            hint="check that its folder exists and that you may write there, "
                 "or point to another file",
        )  # fmt: skip
    if isinstance(exc, sqlite3.DatabaseError):  # "file is not a database", "malformed"
        return StoreError(
            f"not a sandbox database: the file is damaged or not SQLite ({reason})", path=path,
            hint="move it away and a fresh sandbox database is created in its place, "
                 "or point to another file",
        )  # fmt: skip
    return StoreError(f"cannot use the database ({reason})", path=path,
                      hint="point to another file")  # fmt: skip


class Store:
    """Thread-safe access to the sandbox database (a file, or memory when ``path`` is None)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create its folder {self.path.parent} ({exc.strerror or exc})",
                    path=self.path, hint="point to a file in a folder you may write to",
                ) from exc  # fmt: skip
        target = str(self.path) if self.path is not None else ":memory:"
        try:
            self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise _open_error(self.path, exc) from exc
        self._lock = threading.RLock()
        self._last_key = 0
        self.search_lag_ms = 0
        self._pending: deque[tuple[int, str, tuple[Any, ...] | None]] = deque()
        try:
            self._open()
        except sqlite3.Error as exc:
            self._conn.close()
            raise _open_error(self.path, exc) from exc

    def _open(self) -> None:
        with self._lock:
            if self.path is not None:
                tables = {str(r[0]) for r in self._conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}  # fmt: skip
                if tables and "locations" not in tables:
                    raise _ForeignDatabase(", ".join(sorted(tables)[:4]))
                self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)
            # files written before stamps carried an in-millisecond counter held plain ms
            self._conn.execute(
                "UPDATE contacts SET date_added = date_added * 1000, "
                "date_updated = date_updated * 1000, data = json_set(data, '$._added', "
                "date_added * 1000, '$._updated', date_updated * 1000) "
                "WHERE date_added < 100000000000000"
            )
            self.default_location_id, self.default_token = self._ensure_default_location()
            self.default_company_id, self.default_agency_token = self._ensure_default_company()

    # ---------------------------------------------------------------- plumbing
    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one transaction under the lock."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read query under the lock."""
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def tick(self) -> int:
        """A stamp (epoch ms * 1000) in a new millisecond: contacts get distinct dateAdded.

        Only a burst of more than 1,000 writes a second can push it ahead of the clock;
        bulk seeding uses :meth:`backdated` instead.
        """
        with self._lock:
            ms = max(now_ms(), self._last_key // 1000 + 1)
            self._last_key = ms * 1000
            return self._last_key

    def backdated(self, n: int) -> list[int]:
        """``n`` increasing stamps in distinct milliseconds ending now (pre-existing data)."""
        start = now_ms() - n
        return [(start + i) * 1000 for i in range(1, n + 1)]

    def _ensure_default_location(self) -> tuple[str, str]:
        rows = self.query("SELECT value FROM meta WHERE key = 'default_location'")
        if rows:
            loc = str(rows[0][0])
            found = self.query("SELECT token FROM locations WHERE id = ?", (loc,))
            if found:
                return loc, str(found[0][0])
        loc, token = self.create_location()
        with self.tx() as c:
            c.execute("INSERT OR REPLACE INTO meta VALUES ('default_location', ?)", (loc,))
        return loc, token

    def _ensure_default_company(self) -> tuple[str, str]:
        rows = self.query("SELECT value FROM meta WHERE key = 'default_company'")
        if rows:
            found = self.query("SELECT id, token FROM companies WHERE id = ?", (rows[0][0],))
            if found:
                return str(found[0][0]), str(found[0][1])
        company, token = self.create_company("Sandbox Agency")
        with self.tx() as c:
            c.execute("INSERT OR REPLACE INTO meta VALUES ('default_company', ?)", (company,))
            # sub-accounts made before companies existed join the default agency
            c.execute(
                "INSERT OR IGNORE INTO location_info SELECT id, ?, 'Sandbox location', '' "
                "FROM locations", (company,),
            )  # fmt: skip
        return company, token

    # ---------------------------------------------------------------- agencies
    def create_company(self, name: str) -> tuple[str, str]:
        """Create an agency (company); returns (company_id, agency token)."""
        company = new_id()
        token = "agency-" + secrets.token_hex(16)
        with self.tx() as c:
            c.execute("INSERT INTO companies VALUES (?, ?, ?)", (company, token, name))
        return company, token

    def company_for_token(self, token: str) -> str | None:
        """The company an agency token belongs to, or None (location tokens are not)."""
        rows = self.query("SELECT id FROM companies WHERE token = ?", (token,))
        return str(rows[0][0]) if rows else None

    def location_info(self, location_id: str) -> dict[str, str] | None:
        """{id, companyId, name, address, token} of a location, or None."""
        rows = self.query(
            "SELECT l.id, i.company_id, i.name, i.address, l.token FROM locations l "
            "JOIN location_info i ON i.id = l.id WHERE l.id = ?", (location_id,),
        )  # fmt: skip
        if not rows:
            return None
        keys = ("id", "companyId", "name", "address", "token")
        return dict(zip(keys, (str(v) for v in rows[0]), strict=True))

    def locations_of(self, company_id: str) -> list[dict[str, str]]:
        """The sub-accounts of an agency, oldest first."""
        rows = self.query(
            "SELECT l.id FROM locations l JOIN location_info i ON i.id = l.id "
            "WHERE i.company_id = ? ORDER BY l.rowid", (company_id,),
        )  # fmt: skip
        return [info for (loc,) in rows if (info := self.location_info(str(loc))) is not None]

    def save_record(self, table: str, owner: str, doc: dict[str, Any]) -> None:
        """Insert or replace a user (owner: company) or business (owner: location)."""
        if table not in ("users", "businesses"):
            raise ValueError(table)
        with self.tx() as c:
            old = c.execute(f"SELECT seq FROM {table} WHERE id = ?", (doc["id"],)).fetchone()
            seq = old[0] if old else self.tick()
            c.execute(f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?, ?)",
                      (doc["id"], owner, seq, json.dumps(doc, separators=(",", ":"))))  # fmt: skip

    def records(self, table: str, owner: str) -> list[dict[str, Any]]:
        """Users of a company or businesses of a location, oldest first."""
        column = "company_id" if table == "users" else "location_id"
        rows = self.query(f"SELECT data FROM {table} WHERE {column} = ? ORDER BY seq", (owner,))
        return [dict(json.loads(r[0])) for r in rows]

    def record(self, table: str, record_id: str) -> dict[str, Any] | None:
        """One user or business by id, or None."""
        rows = self.query(f"SELECT data FROM {table} WHERE id = ?", (record_id,))
        return dict(json.loads(rows[0][0])) if rows else None

    def delete_record(self, table: str, record_id: str) -> bool:
        """Delete a user or business; False if absent."""
        with self.tx() as c:
            return c.execute(f"DELETE FROM {table} WHERE id = ?", (record_id,)).rowcount > 0

    # ---------------------------------------------------------------- locations
    def create_location(
        self,
        *,
        allow_duplicates: bool = False,
        priority: tuple[str, ...] = ("email", "phone"),
        name: str = "Sandbox location",
        address: str = "",
        company_id: str | None = None,
    ) -> tuple[str, str]:
        """Create a location (a sub-account of ``company_id``, by default the default
        agency's); returns (location_id, token)."""
        loc = new_id()
        token = "pit-" + secrets.token_hex(16)
        company = company_id or getattr(self, "default_company_id", "")
        with self.tx() as c:
            c.execute(
                "INSERT INTO locations VALUES (?, ?, ?, ?)",
                (loc, token, int(allow_duplicates), json.dumps(list(priority))),
            )
            if company:
                c.execute("INSERT INTO location_info VALUES (?, ?, ?, ?)",
                          (loc, company, name, address))  # fmt: skip
        return loc, token

    def location_for_token(self, token: str) -> str | None:
        """The location a token belongs to, or None."""
        rows = self.query("SELECT id FROM locations WHERE token = ?", (token,))
        return str(rows[0][0]) if rows else None

    def location_exists(self, location_id: str) -> bool:
        """True when the location exists."""
        return bool(self.query("SELECT 1 FROM locations WHERE id = ?", (location_id,)))

    def settings(self, location_id: str) -> tuple[bool, list[str]]:
        """(allow_duplicates, priority) of a location."""
        rows = self.query(
            "SELECT allow_duplicates, priority FROM locations WHERE id = ?", (location_id,)
        )
        if not rows:
            return False, ["email", "phone"]
        return bool(rows[0][0]), list(json.loads(rows[0][1]))

    def set_settings(
        self, location_id: str, *, allow_duplicates: bool | None, priority: list[str] | None
    ) -> None:
        """Change a location's duplicate settings."""
        with self.tx() as c:
            if allow_duplicates is not None:
                c.execute(
                    "UPDATE locations SET allow_duplicates = ? WHERE id = ?",
                    (int(allow_duplicates), location_id),
                )
            if priority is not None:
                c.execute(
                    "UPDATE locations SET priority = ? WHERE id = ?",
                    (json.dumps(priority), location_id),
                )

    # ---------------------------------------------------------------- contacts
    def get_contact(self, location_id: str, contact_id: str) -> dict[str, Any] | None:
        """A stored contact document of that location, or None."""
        rows = self.query(
            "SELECT data FROM contacts WHERE id = ? AND location_id = ?", (contact_id, location_id)
        )
        return dict(json.loads(rows[0][0])) if rows else None

    # ---------------------------------------------------------------- search lag
    def set_search_lag(self, ms: int) -> None:
        """Make search and duplicate lookups see each contact write ``ms`` after it (0: at
        once). They read ``contacts_index``, a copy that pending writes reach when due."""
        with self._lock:
            if ms > 0 and self.search_lag_ms == 0:
                self._pending.clear()
                self._conn.execute("DELETE FROM contacts_index")
                self._conn.execute("INSERT INTO contacts_index SELECT * FROM contacts")
            self.search_lag_ms = ms

    def search_table(self) -> str:
        """The table searches read: ``contacts``, or with a lag the index of due writes."""
        if self.search_lag_ms <= 0:
            return "contacts"
        with self._lock:
            now = now_ms()
            while self._pending and self._pending[0][0] <= now:
                _, contact_id, row = self._pending.popleft()
                if row is None:
                    self._conn.execute("DELETE FROM contacts_index WHERE id = ?", (contact_id,))
                else:
                    self._conn.execute(
                        "INSERT OR REPLACE INTO contacts_index VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        row,
                    )
        return "contacts_index"

    def _lagged(self, contact_id: str, row: tuple[Any, ...] | None, *, now: bool) -> None:
        if self.search_lag_ms <= 0:
            return
        if now:  # pre-existing data (admin seeding) is visible at once
            self.search_table()
            if row is not None:
                self._conn.execute(
                    "INSERT OR REPLACE INTO contacts_index VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row
                )
            return
        self._pending.append((now_ms() + self.search_lag_ms, contact_id, row))

    def find_by(
        self, location_id: str, field: str, value: str, *, lagged: bool = False
    ) -> dict[str, Any] | None:
        """The oldest contact whose email (case-insensitive) or E.164 phone equals value
        (``lagged``: as search sees it, see :meth:`set_search_lag`)."""
        column = "email_lower" if field == "email" else "phone"
        needle = value.lower() if field == "email" else value
        table = self.search_table() if lagged else "contacts"
        rows = self.query(
            f"SELECT data FROM {table} WHERE location_id = ? AND {column} = ? "
            "ORDER BY date_added, id LIMIT 1",
            (location_id, needle),
        )
        return dict(json.loads(rows[0][0])) if rows else None

    def find_by_additional_email(self, location_id: str, email: str) -> dict[str, Any] | None:
        """The oldest contact holding ``email`` among its additionalEmails (case-insensitive)."""
        rows = self.query(
            "SELECT data FROM contacts WHERE location_id = ? AND EXISTS (SELECT 1 FROM "
            "json_each(COALESCE(json_extract(data, '$.additionalEmails'), '[]')) "
            "WHERE lower(value) = ?) ORDER BY date_added, id LIMIT 1",
            (location_id, email.lower()),
        )
        return dict(json.loads(rows[0][0])) if rows else None

    def save_contact(
        self,
        contact: dict[str, Any],
        conn: sqlite3.Connection | None = None,
        *,
        visible_now: bool = False,
    ) -> None:
        """Insert or replace a contact document (inside ``tx`` when conn is given); with a
        search lag, searches see it later unless ``visible_now``."""
        email = contact.get("email")
        row = (
            contact["id"],
            contact["locationId"],
            email.lower() if isinstance(email, str) else None,
            contact.get("phone"),
            contact.get("businessId"),
            contact["_added"],
            contact["_updated"],
            json.dumps(contact, separators=(",", ":"), allow_nan=False),
        )
        sql = "INSERT OR REPLACE INTO contacts VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        if conn is not None:
            conn.execute(sql, row)
        else:
            with self.tx() as c:
                c.execute(sql, row)
        with self._lock:
            self._lagged(contact["id"], row, now=visible_now)

    def save_many(self, contacts: list[dict[str, Any]]) -> None:
        """Insert many contacts in one transaction (fast seeding)."""
        with self.tx() as c:
            for contact in contacts:
                self.save_contact(contact, c, visible_now=True)

    def delete_contact(self, location_id: str, contact_id: str) -> bool:
        """Delete a contact and what hangs off it; False if it did not exist."""
        with self.tx() as c:
            cur = c.execute(
                "DELETE FROM contacts WHERE id = ? AND location_id = ?", (contact_id, location_id)
            )
            if cur.rowcount == 0:
                return False
            for table in ("notes", "tasks", "appointments", "memberships"):
                c.execute(f"DELETE FROM {table} WHERE contact_id = ?", (contact_id,))
            self._lagged(contact_id, None, now=False)
        return True

    def all_contacts(self, location_id: str) -> list[dict[str, Any]]:
        """Every contact of a location, oldest first."""
        rows = self.query(
            "SELECT data FROM contacts WHERE location_id = ? ORDER BY date_added, id",
            (location_id,),
        )
        return [dict(json.loads(r[0])) for r in rows]

    # ---------------------------------------------------------------- children
    def add_child(self, table: str, location_id: str, contact_id: str, doc: dict[str, Any]) -> None:
        """Insert or replace a note/task document."""
        with self.tx() as c:
            if table == "appointments":
                c.execute(
                    "INSERT OR REPLACE INTO appointments VALUES (?, ?, ?, ?)",
                    (doc["id"], contact_id, location_id, json.dumps(doc)),
                )
                return
            seq = self.tick()
            old = c.execute(f"SELECT seq FROM {table} WHERE id = ?", (doc["id"],)).fetchone()
            c.execute(
                f"INSERT OR REPLACE INTO {table} VALUES (?, ?, ?, ?, ?)",
                (doc["id"], contact_id, location_id, old[0] if old else seq, json.dumps(doc)),
            )

    def children(self, table: str, contact_id: str) -> list[dict[str, Any]]:
        """Notes/tasks/appointments of a contact."""
        order = "seq, rowid" if table != "appointments" else "rowid"
        rows = self.query(
            f"SELECT data FROM {table} WHERE contact_id = ? ORDER BY {order}", (contact_id,)
        )
        return [dict(json.loads(r[0])) for r in rows]

    def child(self, table: str, contact_id: str, child_id: str) -> dict[str, Any] | None:
        """One note/task of a contact."""
        rows = self.query(
            f"SELECT data FROM {table} WHERE contact_id = ? AND id = ?", (contact_id, child_id)
        )
        return dict(json.loads(rows[0][0])) if rows else None

    def delete_child(self, table: str, contact_id: str, child_id: str) -> bool:
        """Delete one note/task; False if absent."""
        with self.tx() as c:
            cur = c.execute(
                f"DELETE FROM {table} WHERE contact_id = ? AND id = ?", (contact_id, child_id)
            )
            return cur.rowcount > 0

    def location_children(self, table: str, location_id: str) -> list[dict[str, Any]]:
        """All notes/tasks/appointments of a location."""
        rows = self.query(
            f"SELECT data FROM {table} WHERE location_id = ? ORDER BY rowid", (location_id,)
        )
        return [dict(json.loads(r[0])) for r in rows]

    # ---------------------------------------------------------------- memberships
    def set_membership(
        self,
        location_id: str,
        contact_id: str,
        kind: str,
        ref_id: str,
        *,
        present: bool,
        event_start_time: str | None = None,
    ) -> None:
        """Add or remove a campaign/workflow membership; ref_id '*' removes all of a kind."""
        with self.tx() as c:
            if present:
                c.execute(
                    "INSERT OR REPLACE INTO memberships VALUES (?, ?, ?, ?, ?)",
                    (contact_id, location_id, kind, ref_id, event_start_time),
                )
            elif ref_id == "*":
                c.execute(
                    "DELETE FROM memberships WHERE contact_id = ? AND kind = ?", (contact_id, kind)
                )
            else:
                c.execute(
                    "DELETE FROM memberships WHERE contact_id = ? AND kind = ? AND ref_id = ?",
                    (contact_id, kind, ref_id),
                )

    def memberships(self, location_id: str) -> list[dict[str, Any]]:
        """Campaign and workflow memberships of a location."""
        rows = self.query(
            "SELECT contact_id, kind, ref_id, event_start_time FROM memberships "
            "WHERE location_id = ? ORDER BY rowid",
            (location_id,),
        )
        return [
            {"contactId": r[0], "kind": r[1], "id": r[2], "eventStartTime": r[3]} for r in rows
        ]

    # ---------------------------------------------------------------- custom fields
    def add_custom_field(self, location_id: str, doc: dict[str, Any]) -> None:
        """Store a custom field definition."""
        with self.tx() as c:
            pos = c.execute(
                "SELECT COUNT(*) FROM custom_fields WHERE location_id = ?", (location_id,)
            ).fetchone()[0]
            doc["position"] = int(pos)
            c.execute(
                "INSERT INTO custom_fields VALUES (?, ?, ?, ?, ?)",
                (doc["id"], location_id, doc["fieldKey"], pos, json.dumps(doc)),
            )

    def delete_custom_field(self, location_id: str, field_id: str) -> bool:
        """Delete a field definition and its values on the location's contacts (as the
        real API does); the remaining fields keep their order. False if absent."""
        with self.tx() as c:
            cur = c.execute(
                "DELETE FROM custom_fields WHERE id = ? AND location_id = ?",
                (field_id, location_id),
            )
            if cur.rowcount == 0:
                return False
            rows = c.execute(
                "SELECT id FROM custom_fields WHERE location_id = ? ORDER BY position",
                (location_id,),
            ).fetchall()
            for pos, (fid,) in enumerate(rows):
                c.execute(
                    "UPDATE custom_fields SET position = ?, "
                    "data = json_set(data, '$.position', ?) WHERE id = ?",
                    (pos, pos, fid),
                )
            c.execute(
                "UPDATE contacts SET data = json_set(data, '$.customFields', json(("
                "SELECT COALESCE(json_group_array(json(e.value)), '[]') "
                "FROM json_each(json_extract(contacts.data, '$.customFields')) AS e "
                "WHERE json_extract(e.value, '$.id') != ?))) "
                "WHERE location_id = ? AND EXISTS (SELECT 1 FROM "
                "json_each(json_extract(contacts.data, '$.customFields')) AS f "
                "WHERE json_extract(f.value, '$.id') = ?)",
                (field_id, location_id, field_id),
            )
        return True

    def custom_fields(self, location_id: str) -> list[dict[str, Any]]:
        """Custom field definitions of a location, by position."""
        rows = self.query(
            "SELECT data FROM custom_fields WHERE location_id = ? ORDER BY position",
            (location_id,),
        )
        return [dict(json.loads(r[0])) for r in rows]

    # ---------------------------------------------------------------- admin
    def counts(self, location_id: str | None = None) -> dict[str, int]:
        """Row counts per table (all locations, or one)."""
        out: dict[str, int] = {}
        for table in TABLES:
            if location_id is None:
                n = self.query(f"SELECT COUNT(*) FROM {table}")[0][0]
            else:
                n = self.query(
                    f"SELECT COUNT(*) FROM {table} WHERE location_id = ?", (location_id,)
                )[0][0]
            out[table] = int(n)
        out["locations"] = int(self.query("SELECT COUNT(*) FROM locations")[0][0])
        return out

    def reset(self) -> None:
        """Delete all data but keep the default location and its token."""
        with self.tx() as c:
            for table in TABLES:
                c.execute(f"DELETE FROM {table}")
            c.execute("DELETE FROM locations WHERE id != ?", (self.default_location_id,))
            c.execute(
                "UPDATE locations SET allow_duplicates = 0, priority = ? WHERE id = ?",
                (json.dumps(["email", "phone"]), self.default_location_id),
            )
            c.execute("DELETE FROM contacts_index")
            self._pending.clear()
            c.execute("DELETE FROM users")
            c.execute("DELETE FROM businesses")
            c.execute("DELETE FROM companies WHERE id != ?", (self.default_company_id,))
            c.execute("DELETE FROM location_info WHERE id != ?", (self.default_location_id,))
