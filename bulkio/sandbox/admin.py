"""``SandboxAdmin``: a small sync client over the sandbox's ``/_admin/`` endpoints."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx


class SandboxAdminError(RuntimeError):
    """An admin call was refused (bad arguments or unknown location)."""


class SandboxAdmin:
    """Inspect and steer a running sandbox (tests, rehearsals)."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url + "/_admin", timeout=timeout)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def _call(self, method: str, path: str, json: Any = None, params: Any = None) -> Any:
        response = self._http.request(method, path, json=json, params=params)
        if response.status_code >= 400:
            raise SandboxAdminError(f"{method} /_admin{path}: {response.text}")
        return response.json()

    # ------------------------------------------------------------------ locations
    def info(self) -> dict[str, Any]:
        """Default location id, its token, and the database path."""
        return dict(self._call("GET", "/info"))

    def create_location(
        self,
        *,
        allow_duplicates: bool = False,
        priority: Iterable[str] = ("email", "phone"),
        name: str | None = None,
        address: str | None = None,
        company_id: str | None = None,
    ) -> tuple[str, str]:
        """Create a location (a sub-account of ``company_id``, by default the default
        agency's); returns (location_id, token)."""
        body: dict[str, Any] = {"allow_duplicates": allow_duplicates, "priority": list(priority)}
        body.update(name=name, address=address, company_id=company_id)
        data = self._call("POST", "/locations", body)
        return str(data["locationId"]), str(data["token"])

    def locations(self, company_id: str | None = None) -> list[dict[str, Any]]:
        """Sub-accounts of an agency (default: the default one): id, companyId, name,
        address, token."""
        params = {"companyId": company_id} if company_id else None
        return list(self._call("GET", "/locations", params=params))

    def create_company(self, name: str = "Sandbox Agency") -> tuple[str, str]:
        """Create an agency; returns (company_id, agency token)."""
        data = self._call("POST", "/companies", {"name": name})
        return str(data["companyId"]), str(data["agencyToken"])

    def create_user(
        self,
        *,
        first_name: str,
        email: str,
        last_name: str = "",
        location_ids: Iterable[str] | None = None,
        role: str = "user",
        company_id: str | None = None,
    ) -> dict[str, Any]:
        """Create a user of the given sub-accounts (default: the default location)."""
        body = {
            "first_name": first_name, "last_name": last_name, "email": email, "role": role,
            "location_ids": list(location_ids) if location_ids is not None else None,
            "company_id": company_id,
        }  # fmt: skip
        return dict(self._call("POST", "/users", body))

    def users(self, company_id: str | None = None) -> list[dict[str, Any]]:
        """Users of an agency (default: the default one)."""
        params = {"companyId": company_id} if company_id else None
        return list(self._call("GET", "/users", params=params))

    def create_business(self, location_id: str, *, name: str, **fields: str) -> dict[str, Any]:
        """Create a business of a location (fields: phone, email, website, address, ...)."""
        body = {"name": name, **fields}
        return dict(self._call("POST", f"/locations/{location_id}/businesses", body))

    def businesses(self, location_id: str) -> list[dict[str, Any]]:
        """Businesses of a location."""
        return list(self._call("GET", f"/locations/{location_id}/businesses"))

    def set_settings(
        self,
        location_id: str,
        *,
        allow_duplicates: bool | None = None,
        priority: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """Change a location's duplicate settings."""
        body = {
            "allow_duplicates": allow_duplicates,
            "priority": list(priority) if priority is not None else None,
        }
        return dict(self._call("PUT", f"/locations/{location_id}/settings", body))

    # ------------------------------------------------------------------ limits & faults
    def set_limits(
        self,
        *,
        rate_limit: int | None = None,
        rate_interval_ms: int | None = None,
        daily_limit: int | None = None,
        max_bulk_tag_ids: int | None = None,
        search_lag_ms: int | None = None,
        off: bool = False,
    ) -> dict[str, Any]:
        """Change limits (only the given ones); ``off=True`` switches both limits off.

        ``search_lag_ms``: search and duplicate lookups see each write that long after it.
        """
        body: dict[str, Any] = {}
        if off:
            body.update(rate_limit=0, daily_limit=0)
        if rate_limit is not None:
            body["rate_limit"] = rate_limit
        if rate_interval_ms is not None:
            body["rate_interval_ms"] = rate_interval_ms
        if daily_limit is not None:
            body["daily_limit"] = daily_limit
        if max_bulk_tag_ids is not None:
            body["max_bulk_tag_ids"] = max_bulk_tag_ids
        if search_lag_ms is not None:
            body["search_lag_ms"] = search_lag_ms
        return dict(self._call("PUT", "/limits", body))

    def limits(self) -> dict[str, Any]:
        """Current limits."""
        return dict(self._call("GET", "/limits"))

    def set_faults(
        self,
        *,
        sequence: Iterable[int | str] | None = None,
        probabilities: dict[int | str, float] | None = None,
        latency_ms: int = 0,
        drop_before_commit: float = 0.0,
        drop_after_commit: float = 0.0,
        path_contains: str | None = None,
        method: str | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """Inject faults: an exact ``sequence`` of actions, else per-request probabilities.

        Actions: 429/500/502/503/504, "drop_before_commit", "drop_after_commit", "ok".
        """
        probs = {str(k): v for k, v in (probabilities or {}).items()}
        if drop_before_commit:
            probs["drop_before_commit"] = drop_before_commit
        if drop_after_commit:
            probs["drop_after_commit"] = drop_after_commit
        body = {
            "sequence": list(sequence or []),
            "probabilities": probs,
            "latency_ms": latency_ms,
            "path_contains": path_contains,
            "method": method,
            "seed": seed,
        }
        return dict(self._call("PUT", "/faults", body))

    def clear_faults(self) -> None:
        """Remove all faults."""
        self._call("DELETE", "/faults")

    def faults(self) -> dict[str, Any]:
        """The current plan and the faults injected so far."""
        return dict(self._call("GET", "/faults"))

    # ------------------------------------------------------------------ data
    def contacts(self, location_id: str) -> list[dict[str, Any]]:
        """Every contact of a location, as GET returns them."""
        return list(self._call("GET", f"/locations/{location_id}/contacts"))

    def notes(self, location_id: str) -> list[dict[str, Any]]:
        """Every note of a location."""
        return list(self._call("GET", f"/locations/{location_id}/notes"))

    def tasks(self, location_id: str) -> list[dict[str, Any]]:
        """Every task of a location."""
        return list(self._call("GET", f"/locations/{location_id}/tasks"))

    def memberships(self, location_id: str) -> list[dict[str, Any]]:
        """Campaign and workflow memberships of a location."""
        return list(self._call("GET", f"/locations/{location_id}/memberships"))

    def add_appointment(self, location_id: str, contact_id: str, **fields: Any) -> dict[str, Any]:
        """Store an appointment for a contact (the contacts API can only list them)."""
        body = {"contactId": contact_id, **fields}
        return dict(self._call("POST", f"/locations/{location_id}/appointments", body))

    def create_custom_field(
        self,
        location_id: str,
        *,
        name: str,
        data_type: str,
        options: list[str] | None = None,
        field_key: str | None = None,
    ) -> dict[str, Any]:
        """Create a custom field (TEXT, LARGE_TEXT, NUMERICAL, MONETORY, DATE, ...)."""
        body = {"name": name, "data_type": data_type, "options": options, "field_key": field_key}
        return dict(self._call("POST", f"/locations/{location_id}/customFields", body))

    def seed(
        self,
        location_id: str,
        *,
        contacts: list[dict[str, Any]] | None = None,
        count: int | None = None,
    ) -> list[str]:
        """Insert contacts directly (no duplicate checks, no rate limit); returns their ids."""
        body: dict[str, Any] = {"contacts": contacts} if contacts is not None else {"count": count}
        return list(self._call("POST", f"/locations/{location_id}/seed", body)["ids"])

    def requests(self, location_id: str | None = None) -> list[dict[str, Any]]:
        """The request log (all locations, or one): method, path, status (-1 = dropped),
        location_id, time."""
        params = {"locationId": location_id} if location_id else None
        return list(self._call("GET", "/requests", params=params))

    def clear_requests(self) -> None:
        """Empty the request log."""
        self._call("DELETE", "/requests")

    def counts(self, location_id: str | None = None) -> dict[str, int]:
        """Row counts per table, for all locations or one."""
        params = {"locationId": location_id} if location_id else None
        return dict(self._call("GET", "/counts", params=params))

    def reset(self) -> None:
        """Delete all data (the default location and its token survive)."""
        self._call("POST", "/reset")
