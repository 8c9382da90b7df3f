"""Agency tokens over the sandbox: installed locations, token exchange, fan-out."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bulkio.api.agency import (
    InstalledLocation,
    LocationTarget,
    exchange_location_tokens,
    fan_out,
    installed_locations,
    location_token,
)
from bulkio.errors import AuthError


def _agency(sandbox: Any, n: int) -> tuple[str, str, list[str]]:
    company, agency_token = sandbox.admin.create_company("Agencia Sol")
    locs = [sandbox.admin.create_location(company_id=company, name=f"Sucursal {k}")[0]
            for k in range(n)]
    return company, agency_token, locs


def test_installed_locations_lists_the_companys_sub_accounts(sandbox: Any) -> None:
    company, agency_token, locs = _agency(sandbox, 3)
    found = asyncio.run(installed_locations(agency_token=agency_token, company_id=company,
                                            app_id="app-1", base_url=sandbox.url))
    assert sorted(found, key=lambda loc: loc.name) == [
        InstalledLocation(locs[0], "Sucursal 0"), InstalledLocation(locs[1], "Sucursal 1"),
        InstalledLocation(locs[2], "Sucursal 2")]


def test_a_location_token_is_refused_by_the_agency_endpoints(sandbox: Any) -> None:
    company, _agency_token, _locs = _agency(sandbox, 1)
    with pytest.raises(AuthError) as info:
        asyncio.run(installed_locations(agency_token=sandbox.token, company_id=company,
                                        app_id="app-1", base_url=sandbox.url))
    assert info.value.status == 401
    assert sandbox.token not in str(info.value) and sandbox.token not in info.value.body


def test_exchanged_tokens_open_their_own_location_only(sandbox: Any) -> None:
    company, agency_token, locs = _agency(sandbox, 2)
    sandbox.admin.seed(locs[0], contacts=[{"email": "ana@ejemplo.mx"}])
    targets = asyncio.run(exchange_location_tokens(
        [InstalledLocation(loc, "") for loc in locs], agency_token=agency_token,
        company_id=company, base_url=sandbox.url))
    assert [t.location_id for t in targets] == locs
    assert agency_token not in repr(targets) and targets[0].token not in repr(targets)

    async def total(target: LocationTarget) -> int:
        async with target.client() as client:
            return int((await client.search({"pageLimit": 1}))["total"])

    assert [asyncio.run(total(t)) for t in targets] == [1, 0]
    stolen = LocationTarget(location_id=locs[1], token=targets[0].token, base_url=sandbox.url)
    with pytest.raises(AuthError):
        asyncio.run(total(stolen))


def test_fan_out_keeps_going_when_one_location_fails(sandbox: Any) -> None:
    company, agency_token, locs = _agency(sandbox, 3)
    token = asyncio.run(location_token(agency_token=agency_token, company_id=company,
                                       location_id=locs[0], base_url=sandbox.url))
    targets = [LocationTarget(location_id=locs[0], token=token, base_url=sandbox.url),
               LocationTarget(location_id=locs[1], token="pit-revoked", base_url=sandbox.url)]

    async def work(target: LocationTarget) -> str:
        async with target.client() as client:
            created = await client.upsert_contact({"email": f"x@{target.location_id}.mx"})
            return str(created["contact"]["id"])

    outcomes = asyncio.run(fan_out(targets, work, parallel=2))
    assert [o.ok for o in outcomes] == [True, False]
    assert isinstance(outcomes[1].error, AuthError) and outcomes[1].error.status == 401
    assert [c["email"] for c in sandbox.admin.contacts(locs[0])] == [f"x@{locs[0]}.mx"]
    assert sandbox.admin.contacts(locs[1]) == []
