"""Rows -> API-ready :class:`PreparedRow` records, in two streaming passes over the file.

Pass 1 reads the file lightly: it collects the distinct raw values of date columns whose
order is not given (to prove day-first or month-first per column, never per row) and a
64-bit hash of every row's normalized email and phone (16 bytes a key in two flat arrays,
~32 MB for 1M rows), from which only the keys seen more than once are kept. Phone numbers
(``phonenumbers`` costs ~30 µs a distinct number, most of the CPU time) are validated in
batches by two worker processes (:class:`bulkio.clean.columns.PhoneBatches`; none for a
file of one batch or a one-core machine) and kept as one integer a row, so pass 2 does
not validate them again. Pass 2 reads the file again and yields one PreparedRow per
source row; with ``duplicates="first"`` it starts while the workers still validate later
phones (a row's duplicate decision looks only at earlier rows), otherwise after them. A
:class:`Table` is single-use, so the source is a factory returning a fresh Table; a plain
Table is accepted for small inputs and then buffered in memory.

Row rules (see ``bulkio codes``): a row with neither a valid email nor a valid phone fails
with ``missing-identifier``; an invalid email, phone, country, date, website, ... is a
warning and that field is dropped (the API would reject the whole row with 422); values
of a date column whose order is unknown and that read differently day-first and
month-first fail the row with ``ambiguous-date``; rows sharing an email or phone (the
API's upsert matching keys) fail with ``duplicate-in-file`` per the ``duplicates`` policy.
"""

from __future__ import annotations

import logging
import re
from array import array
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Mapping as AbcMapping
from datetime import date
from typing import Any, Literal

from bulkio.clean.columns import (
    EXTRA_TARGETS,
    MEMO_LIMIT,
    SIMPLE,
    ColumnPlan,
    Normalizer,
    Outcome,
    PhoneBatches,
    PrepareSummary,
    date_normalizer,
    duplicate_groups,
    plain_text,
    postal,
)
from bulkio.clean.mapping import (
    COMBINE,
    Mapping,
    MappingFile,
    adopt_custom_fields,
    build_mapping,
    normalize_header,
)
from bulkio.clean.normalize import Result
from bulkio.clean.normalize import country as n_country
from bulkio.clean.normalize import dates as n_dates
from bulkio.clean.normalize import email as n_email
from bulkio.clean.normalize import phone as n_phone
from bulkio.clean.normalize import text as n_text
from bulkio.clean.records import Change, PreparedRow
from bulkio.errors import InputError, RowIssue
from bulkio.files.table import SourceRow, Table
from bulkio.i18n import _, ngettext

__all__ = ["Duplicates", "Preparation", "PrepareSummary", "prepare_rows"]

log = logging.getLogger("bulkio.prepare")

Duplicates = Literal["first", "last", "fail"]
TableSource = Table | Callable[[], Table]

_DATE_TARGETS = ("dateOfBirth", "task_due")


class Preparation:
    """Iterable of PreparedRow for one file; ``summary`` is complete after iteration."""

    def __init__(
        self,
        source: TableSource,
        mapping: Mapping | MappingFile | None = None,
        *,
        default_region: str | None = None,
        date_order: str | None = None,
        duplicates: Duplicates = "first",
        today: date | None = None,
        crm: str | None = None,
    ) -> None:
        if duplicates not in ("first", "last", "fail"):
            raise ValueError(f"duplicates must be first, last or fail, not {duplicates!r}")
        first = source() if callable(source) else source
        self._factory: Callable[[], Table] | None = source if callable(source) else None
        self._first: Table | None = first
        self.table_info = first
        if not isinstance(mapping, Mapping):
            mapping = build_mapping(first.headers, mapping, source=crm)
        self.mapping = mapping
        self.default_region = default_region or mapping.default_region or None
        if self.default_region:
            self.default_region = self.default_region.upper()
        self.date_order = date_order.upper() if date_order else None
        self.duplicates: Duplicates = duplicates
        self.today = today
        self.summary = PrepareSummary(
            path=first.path, format=first.format, encoding=first.encoding,
            delimiter=first.delimiter, sheet=first.sheet, header_row=first.header_row,
            mapped={c: s.label for c, s in mapping.columns.items()},
            unmapped=dict(mapping.unmapped), ignored=list(mapping.ignored),
            source=mapping.crm.key if mapping.crm else None,
            source_note=mapping.describe_source(), combined=mapping.combined(),
        )  # fmt: skip
        # fallback fields filled by several columns: the first non-empty one is sent
        self._fallback = {t: cols for t, cols in mapping.combined().items()
                          if COMBINE[t] == "fallback"}  # fmt: skip
        self._address_parts = {c: _address_part(c) for c in mapping.columns_for("address1")}
        # a contact id column alone is enough for updates by id (bulkio import --mode update)
        if not any(mapping.columns_for(t) for t in ("email", "phone", "contact_id")):
            raise InputError(
                _("no column maps to email, phone or contact id, so no row could be imported"),
                path=first.path,
                hint=_("check --header-row, or name the columns in a --map file (`bulkio map "
                       "FILE`)"),
            )
        self._country_col = next(iter(mapping.columns_for("country")), None)
        self._consumed = False
        # decided in pass 1
        self._column_orders: dict[str, str | None] = {}
        self._dups: dict[int, list[int]] = {}
        self._buffer: list[SourceRow] | None = None
        self._constants: dict[str, Any] = {}
        # per pass-1 row: its number and its phone as an e164_code (0: none; read the
        # value again in pass 2 unless positive)
        self._row_numbers: array[int] = array("q")
        self._phones: array[int] = array("q")
        self._emails_clean = bytearray()
        # pass-1 row index -> phone Result, for the phones whose code is negative
        self._phone_results: dict[int, Result] = {}
        # phone duplicate keys and their rows, until every phone is validated
        self._phone_hashes: array[int] = array("q")
        self._phone_rows: array[int] = array("q")
        # phones still being validated when pass 2 starts (duplicates "first" only); while
        # open, every phone is a possible duplicate key
        self._batches: PhoneBatches | None = None
        self._phones_open = True

    @property
    def consumed(self) -> bool:
        """Iteration has started (the mapping can no longer change)."""
        return self._consumed

    def adopt_custom_fields(self, fields: Sequence[AbcMapping[str, Any]]) -> list[str]:
        """Map the unmapped columns named like one of the location's custom ``fields`` (the
        items of ``GET /locations/{id}/customFields``) to that field, as a HighLevel export
        names them, and update the summary; call it before iterating. Returns the columns
        adopted (see :func:`bulkio.clean.mapping.adopt_custom_fields`)."""
        if self._consumed:
            raise RuntimeError("adopt custom fields before iterating the preparation")
        adopted = adopt_custom_fields(self.mapping, fields)
        self.summary.mapped = {c: s.label for c, s in self.mapping.columns.items()}
        self.summary.unmapped = dict(self.mapping.unmapped)
        return adopted

    # -- planning ---------------------------------------------------------------------

    def _order_source(self, column: str) -> tuple[str | None, str]:
        spec = self.mapping.columns[column]
        if spec.date_order:
            return spec.date_order, "column"
        if self.date_order:
            return self.date_order, "option"
        if self.mapping.date_order:
            return self.mapping.date_order, "mapping"
        return None, "detected"

    def _plans(self) -> list[ColumnPlan]:
        plans: list[ColumnPlan] = []
        default_sep = self.mapping.tag_separator or ",;|"
        for column, spec in self.mapping.columns.items():
            target = spec.target
            if target is None:
                cf_plan = ColumnPlan(column, "cf", spec.custom_field, plain_text, kind="cf")
                plans.append(cf_plan)
                continue
            fn: Normalizer
            if target in _DATE_TARGETS:
                # today resolved once: normalize_date would call date.today() per value
                today = self.today or date.today()
                fn = date_normalizer(self._column_orders.get(column), today, target == "task_due")
            elif target == "phone" and spec.region:
                region = spec.region

                def fn(raw: str, _r: str | None, _region: str = region) -> Result:
                    return n_phone.normalize_phone(raw, region=_region)
            else:
                fn = SIMPLE.get(target, plain_text)
            if target in ("tags", "followers", "name"):
                kind = target
            elif fn is plain_text and target != "postalCode":
                kind = "extra-text" if target in self._extra_targets else "text"
            else:
                kind = "norm"
            plans.append(
                ColumnPlan(column, target, None, fn, spec.tag_separator or default_sep, kind)
            )
        # country first: phone regions and postal codes read it
        plans.sort(key=lambda p: p.target != "country")
        return plans

    def _normalize_constants(self) -> None:
        for key, value in self.mapping.constants.items():
            if key == "tags":
                self._constants[key] = list(value)
                continue
            fn = SIMPLE.get(key, plain_text)
            if key in _DATE_TARGETS:
                fn = date_normalizer("YMD", self.today, key == "task_due")
            result = fn(str(value), self.default_region)
            if not result.ok:
                raise InputError(
                    f"constant {key} = {value!r}: {result.message}",
                    path=self.mapping.source,
                    hint=_("fix [constants] in the mapping"),
                )
            self._constants[key] = (n_text.split_tags(str(value)) if key == "followers"
                                    else result.value)  # fmt: skip

    # -- pass 1 -----------------------------------------------------------------------

    def _rows(self) -> Iterator[SourceRow]:
        """Rows for pass 1: the first table (buffered when there is no factory)."""
        table, self._first = self._first, None
        assert table is not None
        if self._factory is None:
            self._buffer = []
            for row in table.rows:
                self._buffer.append(row)
                yield row
        else:
            yield from table.rows

    def _row_region(self, values: dict[str, str | None]) -> str | None:
        if self._country_col is not None:
            raw = values.get(self._country_col)
            if raw and raw.strip():
                return n_country.country_region(raw.strip()) or self.default_region
        return self.default_region

    def _pass1(self) -> None:
        date_cols: dict[str, set[str]] = {}
        for column in self.mapping.columns:
            if self.mapping.columns[column].target in _DATE_TARGETS:
                order, origin = self._order_source(column)
                self._column_orders[column] = order
                self.summary.date_order_sources[column] = origin
                if order is None:
                    date_cols[column] = set()
        email_cols = self.mapping.columns_for("email")
        phone_cols = self.mapping.columns_for("phone")
        email_col = email_cols[0] if email_cols else None
        phone_col = phone_cols[0] if phone_cols else None
        specs = self.mapping.columns
        hashes: array[int] = array("q")
        rows: array[int] = array("q")
        row_numbers, phones = self._row_numbers, self._phones
        phone_results = self._phone_results
        phone_hashes, phone_rows = self._phone_hashes, self._phone_rows

        def phones_done(tags: array[int], codes: array[int], others: dict[int, Result]) -> None:
            # tags are pass-1 row indices; a valid number is a duplicate key
            for position, result in others.items():
                phone_results[tags[position]] = result
            for index, code in zip(tags, codes, strict=True):
                phones[index] = code
                if code > 0 or code < -1:
                    phone_hashes.append(hash(("phone", f"+{code if code > 0 else -code}")))
                    phone_rows.append(row_numbers[index])

        batches = PhoneBatches(phones_done)
        try:
            for index, src in enumerate(self._rows()):
                values = src.values
                row_numbers.append(src.row)
                for column, seen in date_cols.items():
                    raw = values.get(column)
                    if raw and len(seen) < 200_000:
                        seen.add(raw.strip())
                if len(email_cols) > 1:
                    email_col = _first_filled(values, email_cols)
                key = self._email_key(values, email_col)
                if key is not None:
                    hashes.append(key)
                    rows.append(src.row)
                # 0: no phone; the batch sets the code of a phone value
                phones.append(0)
                if len(phone_cols) > 1:
                    phone_col = _first_filled(values, phone_cols)
                if phone_col is not None:
                    raw = values.get(phone_col)
                    if raw and raw.strip():
                        region = specs[phone_col].region or self._row_region(values)
                        batches.add(index, raw.strip(), region)
            if self.duplicates == "first":
                # "first" needs no look ahead: pass 2 starts while the phones of later
                # rows are still being validated, and waits for them row by row
                batches.submit_rest()
            else:
                batches.finish()
        except BaseException:
            batches.close()
            raise
        if batches.pending:
            self._batches = batches
        else:
            batches.close()
        for column, seen in date_cols.items():
            order = n_dates.detect_date_order(seen)
            self._column_orders[column] = order
            if order is None:
                ambiguous = any(n_dates.needs_order(v) for v in seen)
                self.summary.date_order_sources[column] = "none" if ambiguous else "not-needed"
        self.summary.date_orders = dict(self._column_orders)
        self._dups = duplicate_groups(hashes, rows)
        if self._batches is None:
            self._phones_done()

    def _phones_done(self) -> None:
        """Every phone is validated: add the phone duplicate groups."""
        self._dups.update(duplicate_groups(self._phone_hashes, self._phone_rows))
        self._phone_hashes = self._phone_rows = array("q")
        self._phones_open = False

    def _email_key(self, values: dict[str, str | None], email_col: str | None) -> int | None:
        """The row's email duplicate key; records whether pass 2 can skip the email."""
        if email_col is not None:
            raw = values.get(email_col)
            if raw and raw.strip():
                text = raw.strip()
                result = n_email.normalize_email(text)
                # 1: the email is valid as typed, so pass 2 skips normalizing it again
                self._emails_clean.append(1 if result.code is None and result.value == text else 0)
                if result.ok and result.value:
                    return hash(("email", str(result.value).casefold()))
                return None
        self._emails_clean.append(0)
        return None

    # -- pass 2 -----------------------------------------------------------------------

    def __iter__(self) -> Iterator[PreparedRow]:
        if self._consumed:
            raise RuntimeError("a Preparation can be iterated only once")
        self._consumed = True
        self._normalize_constants()
        self._pass1()
        plans = self._plans()
        if self._factory is not None:
            rows: Iterator[SourceRow] = iter(self._factory().rows)
        else:
            rows = iter(self._buffer or [])
            self._buffer = None
        try:
            yield from self._pass2(rows, plans)
        finally:
            if self._batches is not None:
                self._batches.close()
                self._batches = None

    def _pass2(self, rows: Iterator[SourceRow], plans: list[ColumnPlan]) -> Iterator[PreparedRow]:
        claimed: dict[int, int] = {}
        summary = self.summary
        errors, warnings = summary.errors, summary.warnings
        numbers, phones, emails_clean = self._row_numbers, self._phones, self._emails_clean
        phone_results = self._phone_results
        n_known = len(numbers)
        batches = self._batches
        for index, src in enumerate(rows):
            if batches is not None:
                batches.deliver_through(index)
                if not batches.pending:
                    batches.close()
                    batches = self._batches = None
                    self._phones_done()
            phone: Result | str | None = None
            email_clean = False
            if index < n_known and numbers[index] == src.row:
                code = phones[index]
                if code > 0:
                    phone = f"+{code}"
                elif code < 0:
                    phone = phone_results.pop(index, None)
                email_clean = emails_clean[index] == 1
            prepared = self._prepare(src, plans, phone, email_clean)
            if self._dups or self._phones_open:
                self._check_duplicate(prepared, claimed)
            summary.rows_read += 1
            summary.changes += len(prepared.changes)
            ok = True
            for issue in prepared.issues:
                if issue.severity == "error":
                    errors[issue.code] += 1
                    ok = False
                else:
                    warnings[issue.code] += 1
            if ok:
                summary.rows_ready += 1
            else:
                summary.rows_failed += 1
            yield prepared

    def _prepare(
        self,
        src: SourceRow,
        plans: list[ColumnPlan],
        phone: Result | str | None = None,
        email_clean: bool = False,
    ) -> PreparedRow:
        """One PreparedRow. ``phone`` is pass 1's result for the phone column (an E.164
        string when clean), ``email_clean`` says the email is valid as typed."""
        row = src.row
        values = src.values
        contact: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        tags: list[str] = []
        issues: list[RowIssue] = list(src.issues)
        changes: list[Change] = []
        out = PreparedRow(src, contact, {}, tags, extras, issues, changes)
        region = self.default_region
        full_name: tuple[str, str] | None = None
        whole_name: str | None = None
        skip = self._fallback_skips(row, values, issues) if self._fallback else ()
        for plan in plans:
            raw = values.get(plan.column)
            if not raw:
                continue
            if skip and plan.column in skip:
                continue
            text = raw.strip()
            if not text:
                continue
            kind = plan.kind
            if kind == "norm":
                target = plan.target
                memo = plan.memo
                outcome: Outcome | None
                if target == "postalCode":
                    # mostly distinct values and a cheap normalizer: no memo
                    result = postal(text, contact.get("country") or region)
                    if result.value == text and result.code is None:
                        contact["postalCode"] = text
                        if text != raw:
                            changes.append(Change(row, plan.column, "postalCode", raw, text))
                        continue
                    outcome = plan.outcome(result, text)
                elif target == "phone" and phone is not None:
                    # pass 1 already normalized the phone: phone parsing is the costliest step
                    if type(phone) is str:
                        contact["phone"] = phone
                        if phone != raw:
                            changes.append(Change(row, plan.column, "phone", raw, phone))
                        continue
                    outcome = plan.outcome(phone, text)  # type: ignore[arg-type]
                elif target == "email" and email_clean:
                    contact["email"] = text
                    if text != raw:
                        changes.append(Change(row, plan.column, "email", raw, text))
                    continue
                elif target == "phone" or target == "email":
                    # mostly distinct values: a memo would only hold memory
                    outcome = plan.outcome(plan.fn(text, region), text)
                else:
                    # every other normalizer reads the text alone
                    outcome = memo.get(text)
                    if outcome is None:
                        if len(memo) >= MEMO_LIMIT:
                            memo.clear()
                        outcome = memo[text] = plan.outcome(plan.fn(text, region), text)
                value, shown, dest, field_name, issue, region_hint = outcome
                if target == "country":
                    region = region_hint or self.default_region
                if issue is not None:
                    code, message, severity = issue
                    issues.append(RowIssue(row, code, message, target,
                                           "error" if severity == "error" else "warning"))
                    if severity != "warn":
                        # the value is dropped: the API would reject the whole row
                        changes.append(Change(row, plan.column, target, raw, None))
                        continue
                if target == "lastName" and "lastName" in contact:
                    # two surnames (Apellido Paterno + Apellido Materno) make the last name
                    value = shown = f"{contact['lastName']} {value}"
                if field_name.startswith("dnd."):
                    # one channel's column: merged into dndSettings (a new dict: values
                    # are shared through the memo)
                    value = {**(contact.get("dndSettings") or {}), field_name[4:]: value}
                    field_name = "dndSettings"
                elif field_name == "dndSettings" and contact.get("dndSettings"):
                    value = {**value, **contact["dndSettings"]}
                elif field_name == "inboundDnd":
                    value, field_name = {"all": value}, "inboundDndSettings"
                (contact if dest == 0 else extras)[field_name] = value
                if shown != raw:
                    changes.append(Change(row, plan.column, target, raw, shown))
            elif kind == "text" or kind == "extra-text":
                if plan.target == "address1":
                    text = self._address(contact.get("address1"), plan.column, text)
                (contact if kind == "text" else extras)[plan.target] = text
                if text != raw:
                    changes.append(Change(row, plan.column, plan.target, raw, text))
            elif kind == "cf":
                out.custom_fields[plan.custom_ref or plan.column] = text
                if text != raw:
                    changes.append(Change(row, plan.column, f"cf:{plan.custom_ref}", raw, text))
            elif kind == "tags" or kind == "followers":
                memo = plan.memo
                items = memo.get(text)
                if items is None:
                    if len(memo) >= MEMO_LIMIT:
                        memo.clear()
                    items = memo[text] = n_text.split_tags(text, separators=plan.separators)
                if kind == "tags":
                    if tags:
                        tags.extend(t for t in items if t not in tags)
                    else:
                        tags.extend(items)
                else:
                    extras["followers"] = list(items)
            else:  # name
                full_name = n_text.split_name_if_unambiguous(text)
                if full_name is None:
                    whole_name = _WS.sub(" ", text)
        if whole_name is not None and "firstName" not in contact and "lastName" not in contact:
            # no unambiguous split and no first/last name on the row: the API's name
            # field takes the full name whole
            contact["name"] = whole_name
        if full_name is not None:
            name_col = self.mapping.columns_for("name")[0]
            for fld, part in zip(("firstName", "lastName"), full_name, strict=True):
                if part and fld not in contact:
                    contact[fld] = part
                    if part != values.get(name_col):
                        changes.append(Change(row, name_col, fld, values.get(name_col), part))
        if self._constants:
            self._apply_constants(out)
        if "email" not in contact and "phone" not in contact:
            dropped = [i.message for i in issues if i.field in ("email", "phone")]
            why = f" ({'; '.join(dropped)})" if dropped else ""
            issues.append(RowIssue(row, "missing-identifier",
                                   _("the row has no valid email and no valid phone{why}").format(
                                       why=why),
                                   None, "error"))  # fmt: skip
        return out

    _extra_targets = EXTRA_TARGETS

    def _fallback_skips(self, row: int, values: dict[str, str | None],
                        issues: list[RowIssue]) -> set[str]:
        """Columns of fallback fields not sent on this row: all but the first non-empty one
        of each field; a skipped value that differs from the sent one is a warning."""
        skip: set[str] = set()
        for target, cols in self._fallback.items():
            chosen = _first_filled(values, cols)
            for col in cols:
                if col == chosen:
                    continue
                skip.add(col)
                raw = values.get(col)
                if chosen is None or not raw or not raw.strip():
                    continue
                if _same_value(target, raw, values.get(chosen) or ""):
                    continue
                issues.append(RowIssue(
                    row, "extra-value",
                    _("{col}: {strip} not sent ({target} comes from {chosen}); map {col} to a "
                      "custom field or a note to keep it").format(
                        col=col, strip=repr(raw.strip()), target=target, chosen=chosen),
                            target, "warning"))
        return skip

    def _address(self, before: str | None, column: str, text: str) -> str:
        """``text`` of address column ``column`` appended to the address so far, as Mexican
        addresses are written: ``Av. Reforma 222 Int. 4, Col. Juárez``."""
        part = self._address_parts.get(column)
        folded = normalize_header(text)
        if part == "colonia" and not folded.startswith(("col", "fracc", "barrio")):
            text = f"Col. {text}"
        elif part == "interior" and not folded.startswith(("int", "depto", "dept", "local")):
            text = f"Int. {text}"
        if not before:
            return text
        if part in ("exterior", "interior"):
            return f"{before} {text}"
        return f"{before}, {text}"

    def _apply_constants(self, out: PreparedRow) -> None:
        for key, value in self._constants.items():
            if key == "tags":
                out.tags.extend(t for t in value if t not in out.tags)
            elif key in self._extra_targets or key == "followers":
                out.extras.setdefault(key, value)
            elif key == "dnd" and isinstance(value, dict):
                out.contact.setdefault("dndSettings", value)
            else:
                out.contact.setdefault(key, value)

    def _check_duplicate(self, out: PreparedRow, claimed: dict[int, int]) -> None:
        contact = out.contact
        # the API matches emails case-insensitively
        keys: list[tuple[str, int]] = []
        if "email" in contact:
            keys.append(("email", hash(("email", contact["email"].casefold()))))
        if "phone" in contact:
            keys.append(("phone", hash(("phone", contact["phone"]))))
        row = out.row
        others: tuple[str, int] | None = None
        # while phones are being validated (only with "first") any phone may be a duplicate
        open_phone = self._phones_open
        for name, key in keys:
            group = self._dups.get(key)
            if group is None and not (open_phone and name == "phone"):
                continue
            if self.duplicates == "first":
                holder = claimed.get(key)
                if holder is not None and holder != row:
                    others = (name, holder)
                    break
            elif group is None:  # only "first" streams phones
                continue
            elif self.duplicates == "last":
                if group[-1] != row:
                    others = (name, group[-1])
                    break
            else:
                mates = [r for r in group if r != row]
                if mates:
                    shown = ", ".join(str(r) for r in mates[:5]) + (
                        ", ..." if len(mates) > 5 else ""
                    )
                    out.issues.append(
                        RowIssue(
                            row,
                            "duplicate-in-file",
                            ngettext("same {name} as row {shown} (--duplicates fail)",
                                     "same {name} as rows {shown} (--duplicates fail)",
                                     len(mates)).format(name=name, shown=shown),
                            name,
                            "error",
                        )
                    )
                    return
        if others is not None:
            dup_name, other = others
            out.issues.append(RowIssue(row, "duplicate-in-file",
                                       _("same {dup_name} as row {other} (--duplicates "
                                         "{duplicates} keeps row {other})").format(
                                           dup_name=dup_name,
                                               other=other, duplicates=self.duplicates),
                                       dup_name, "error"))  # fmt: skip
            return
        if self.duplicates == "first" and out.ok:
            for name, key in keys:
                if key in self._dups or (open_phone and name == "phone"):
                    claimed.setdefault(key, row)


_WS = re.compile(r"\s+")
_DIGITS = re.compile(r"\D+")


def _first_filled(values: dict[str, str | None], cols: list[str]) -> str | None:
    for col in cols:
        raw = values.get(col)
        if raw and raw.strip():
            return col
    return None


def _same_value(target: str, a: str, b: str) -> bool:
    if target == "phone":
        da, db = _DIGITS.sub("", a), _DIGITS.sub("", b)
        return bool(da) and (da == db or (da.endswith(db[-10:]) and db.endswith(da[-10:])))
    return a.strip().casefold() == b.strip().casefold()


def _address_part(column: str) -> str:
    """What an address1 column holds: exterior/interior number, colonia, or street."""
    key = normalize_header(column)
    if "colonia" in key or key in ("col", "fraccionamiento", "barrio"):
        return "colonia"
    if "interior" in key or key.endswith("int") or key in ("numint", "noint"):
        return "interior"
    if "exterior" in key or key.endswith("ext") or key in ("numero", "num", "no"):
        return "exterior"
    return "street"


def prepare_rows(
    source: TableSource,
    mapping: Mapping | MappingFile | None = None,
    *,
    default_region: str | None = None,
    date_order: str | None = None,
    duplicates: Duplicates = "first",
    today: date | None = None,
    crm: str | None = None,
) -> Preparation:
    """Prepare every row of ``source`` (a Table factory, or a Table for small inputs).

    ``mapping`` is a resolved Mapping, a MappingFile (resolved against the headers) or
    None (synonyms only); ``crm`` forces a CRM preset (see
    :mod:`bulkio.clean.sources`; default: the mapping file's, else detected). Iterate the
    result for PreparedRow records, then read its ``summary``. Raises InputError when no
    column maps to email or phone.
    """
    return Preparation(
        source,
        mapping,
        default_region=default_region,
        date_order=date_order,
        duplicates=duplicates,
        today=today,
        crm=crm,
    )
