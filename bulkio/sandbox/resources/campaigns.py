"""Campaigns and workflows of a contact: add, remove, remove from every campaign."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from bulkio.sandbox.dialect import REMOVE_ALL
from bulkio.sandbox.endpoint import Ctx, endpoint, read_json
from bulkio.sandbox.resources.common import CONTACT, find_contact
from bulkio.sandbox.validation import check_body


async def campaign(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc, cid = ctx.store, ctx.location_id, request.path_params["contactId"]
    find_contact(store, loc, cid)
    camp = request.path_params["campaignId"]
    if request.method == "DELETE" and camp == REMOVE_ALL[ctx.version]:
        camp = "*"  # every campaign (the other version's spelling is a campaign id)
    if request.method == "POST":
        check_body(await read_json(request), {})
    store.set_membership(loc, cid, "campaign", camp, present=request.method == "POST")
    return (201 if request.method == "POST" else 200), {"succeeded": True, "succeded": True}


async def workflow(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    cid = request.path_params["contactId"]
    find_contact(store, loc, cid)
    body = check_body(await read_json(request), {"eventStartTime": "string"})
    store.set_membership(
        loc, cid, "workflow", request.path_params["workflowId"],
        present=request.method == "POST", event_start_time=body.get("eventStartTime"),
    )  # fmt: skip
    return 200, {"succeeded": True, "succeded": True}


ROUTES = [
    Route(f"{CONTACT}/campaigns/{{campaignId}}", endpoint(campaign), methods=["POST", "DELETE"]),
    Route(f"{CONTACT}/workflow/{{workflowId}}", endpoint(workflow), methods=["POST", "DELETE"]),
]
