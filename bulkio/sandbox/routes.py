"""The Contacts API v3 routes (31 operations) plus GET /locations/{id}/customFields."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bulkio.sandbox import contacts as C
from bulkio.sandbox.directory import DIRECTORY_ROUTES
from bulkio.sandbox.endpoint import ApiConfig, Ctx, endpoint, read_json
from bulkio.sandbox.search import search
from bulkio.sandbox.storage import Store, iso_key, iso_ms, new_id, now_ms
from bulkio.sandbox.validation import (
    CREATE_FIELDS,
    NOTE_FIELDS,
    TASK_FIELDS,
    UPDATE_FIELDS,
    UPSERT_FIELDS,
    ApiFailure,
    bad_request,
    check_body,
    check_contact_values,
    clean_tags,
    contact_not_found,
    unprocessable,
)

MAX_BULK_BUSINESS = 50
_FIREBASE_ID = re.compile(r"^[A-Za-z0-9]{20}$")


Handler = Callable[[Request, str], Awaitable[tuple[int, Any]]]


def forbidden() -> ApiFailure:
    """403 for a token used against another location."""
    return ApiFailure(
        403,
        {
            "statusCode": 403,
            "message": "The token does not have access to this location.",
            "error": "Forbidden",
        },
    )


def _same_location(value: Any, location_id: str) -> None:
    if value is not None and value != location_id:
        raise forbidden()


_json = read_json


def build_api(store: Store, config: ApiConfig) -> Starlette:
    """The Starlette app serving the API routes (auth is done by the gateway)."""

    def wrap(
        fn: Handler, query: tuple[str, ...] = ()
    ) -> Callable[[Request], Awaitable[JSONResponse]]:
        async def handler(request: Request, ctx: Ctx) -> tuple[int, Any]:
            return await fn(request, ctx.location_id)

        handler.__name__ = fn.__name__
        return endpoint(handler, query=query)

    def contact(location_id: str, contact_id: str) -> dict[str, Any]:
        doc = store.get_contact(location_id, contact_id)
        if doc is None:
            raise contact_not_found(contact_id)
        return doc

    # ------------------------------------------------------------------ contacts
    async def create_contact(request: Request, loc: str) -> tuple[int, Any]:
        body = check_body(await _json(request), CREATE_FIELDS, required=("locationId",))
        _same_location(body["locationId"], loc)
        return 201, {"contact": C.render(C.create(store, loc, body))}

    async def get_contact(request: Request, loc: str) -> tuple[int, Any]:
        return 200, {"contact": C.render(contact(loc, request.path_params["contactId"]))}

    async def update_contact(request: Request, loc: str) -> tuple[int, Any]:
        body = check_body(await _json(request), UPDATE_FIELDS)
        doc = C.update(store, loc, request.path_params["contactId"], body)
        return 200, {"succeeded": True, "contact": C.render(doc)}

    async def delete_contact(request: Request, loc: str) -> tuple[int, Any]:
        cid = request.path_params["contactId"]
        if not store.delete_contact(loc, cid):
            raise contact_not_found(cid)
        return 200, {"succeeded": True, "succeded": True}

    async def upsert_contact(request: Request, loc: str) -> tuple[int, Any]:
        body = check_body(await _json(request), UPSERT_FIELDS, required=("locationId",))
        _same_location(body["locationId"], loc)
        doc, created = C.upsert(store, loc, body)
        return 200, {"new": created, "contact": C.render(doc), "traceId": new_id(24)}

    async def search_contacts(request: Request, loc: str) -> tuple[int, Any]:
        body = await _json(request)
        if not isinstance(body, dict):
            raise unprocessable(["body must be an object"])
        _same_location(body.get("locationId"), loc)
        result = search(store, loc, body)
        rows = [C.render_search(doc, after) for doc, after in result["contacts"]]
        return 200, {"contacts": rows, "total": result["total"]}

    async def duplicate(request: Request, loc: str) -> tuple[int, Any]:
        q = request.query_params
        if not q.get("locationId"):
            raise unprocessable(["locationId should not be empty"])
        _same_location(q.get("locationId"), loc)
        values: dict[str, Any] = {}
        if q.get("email"):
            values["email"] = q["email"].strip()
        if q.get("number"):
            values["phone"] = check_contact_values({"phone": q["number"]}).get("phone")
        found = C.find_duplicate(store, loc, values)
        return 200, {"contact": C.render(found[0]) if found else None}

    async def by_business(request: Request, loc: str) -> tuple[int, Any]:
        q = request.query_params
        if not q.get("locationId"):
            raise unprocessable(["locationId should not be empty"])
        _same_location(q.get("locationId"), loc)
        try:
            limit = int(q.get("limit", "25"))
            skip = int(q.get("skip", "0"))
        except ValueError as exc:
            raise bad_request("limit and skip must be numbers") from exc
        if not 1 <= limit <= 100:
            raise unprocessable(["limit must not be greater than 100"])
        filters: list[dict[str, Any]] = [
            {"field": "businessId", "operator": "eq", "value": request.path_params["businessId"]}
        ]
        if q.get("startAfter"):
            # the listing's cursor is the dateAdded (epoch ms) of the last contact seen;
            # contacts added in that same millisecond come after it
            if not q["startAfter"].isdigit():
                raise bad_request("startAfter must be a number")
            filters.append({"field": "dateAdded", "operator": "range",
                            "value": {"gt": int(q["startAfter"])}})  # fmt: skip
        body: dict[str, Any] = {"locationId": loc, "pageLimit": limit, "filters": filters}
        if q.get("query"):
            body["query"] = q["query"]
        if skip:
            body["page"] = skip // limit + 1
        result = search(store, loc, body)
        rows = [C.render_search(doc, []) for doc, _ in result["contacts"]]
        for row in rows:
            row.pop("searchAfter", None)
        return 200, {"contacts": rows, "count": result["total"]}

    # ------------------------------------------------------------------ bulk
    async def bulk_tags(request: Request, loc: str) -> tuple[int, Any]:
        kind = request.path_params["type"]
        if kind not in ("add", "remove"):
            raise unprocessable(["type must be one of the following values: add, remove"])
        fields = {"contacts": "array<string>", "tags": "array<string>", "locationId": "string",
                  "removeAllTags": "boolean"}  # fmt: skip
        body = check_body(await _json(request), fields, required=("contacts", "tags", "locationId"))
        _same_location(body["locationId"], loc)
        ids: list[str] = body["contacts"]
        if len(ids) > config.max_bulk_tag_ids:
            raise unprocessable(
                [f"contacts must contain no more than {config.max_bulk_tag_ids} elements"]
            )
        if body.get("removeAllTags") and kind != "remove":
            raise unprocessable(["removeAllTags can only be used with remove type"])
        tags = clean_tags(body["tags"])
        responses: list[dict[str, Any]] = []
        with store.tx() as conn:
            for cid in ids:
                doc = store.get_contact(loc, cid)
                if doc is None:
                    if not _FIREBASE_ID.match(cid):
                        message = "contact id is not a valid firebase id"
                    elif store.query("SELECT 1 FROM contacts WHERE id = ?", (cid,)):
                        message = "contact does not belong to location"
                    else:
                        message = "contact not found"
                    responses.append({"contactId": cid, "message": message, "type": "error"})
                    continue
                old = list(doc.get("tags") or [])
                if kind == "add":
                    new = old + [t for t in tags if t not in old]
                elif body.get("removeAllTags"):
                    new = []
                else:
                    new = [t for t in old if t not in tags]
                doc["tags"] = new
                stamp = store.tick()
                doc["_updated"], doc["dateUpdated"] = stamp, iso_key(stamp)
                store.save_contact(doc, conn)
                responses.append({
                    "contactId": cid, "message": "Tags updated", "type": "success",
                    "oldTags": old, "tagsAdded": [t for t in new if t not in old],
                    "tagsRemoved": [t for t in old if t not in new],
                })  # fmt: skip
        errors = sum(1 for r in responses if r["type"] == "error")
        return 201, {
            "succeeded": errors == 0, "succeded": errors == 0,
            "errorCount": errors, "responses": responses,
        }  # fmt: skip

    async def bulk_business(request: Request, loc: str) -> tuple[int, Any]:
        fields = {"locationId": "string", "ids": "array<string>", "businessId": "string"}
        raw = await _json(request)
        body = check_body(raw, fields, required=("locationId", "ids"))
        if "businessId" not in body:
            raise unprocessable(["businessId must be a string"])
        _same_location(body["locationId"], loc)
        ids: list[str] = body["ids"]
        if len(ids) > MAX_BULK_BUSINESS:
            raise unprocessable([f"ids must contain no more than {MAX_BULK_BUSINESS} elements"])
        updated = []
        with store.tx() as conn:
            for cid in ids:
                doc = store.get_contact(loc, cid)
                if doc is None:
                    continue
                doc["businessId"] = body["businessId"]
                stamp = store.tick()
                doc["_updated"], doc["dateUpdated"] = stamp, iso_key(stamp)
                store.save_contact(doc, conn)
                updated.append(cid)
        return 200, {"success": True, "ids": updated}

    # ------------------------------------------------------------------ tags/followers
    async def tags(request: Request, loc: str) -> tuple[int, Any]:
        doc = contact(loc, request.path_params["contactId"])
        body = check_body(await _json(request), {"tags": "array<string>"}, required=("tags",))
        wanted = clean_tags(body["tags"])
        old = list(doc.get("tags") or [])
        if request.method == "POST":
            doc["tags"] = old + [t for t in wanted if t not in old]
        else:
            doc["tags"] = [t for t in old if t not in wanted]
        store.save_contact(doc)
        return (201 if request.method == "POST" else 200), {"tags": doc["tags"]}

    async def followers(request: Request, loc: str) -> tuple[int, Any]:
        doc = contact(loc, request.path_params["contactId"])
        body = check_body(
            await _json(request), {"followers": "array<string>"}, required=("followers",)
        )
        old = list(doc.get("followers") or [])
        if request.method == "POST":
            added = [f for f in dict.fromkeys(body["followers"]) if f not in old]
            doc["followers"] = old + added
            store.save_contact(doc)
            return 201, {"followers": doc["followers"], "followersAdded": added}
        removed = [f for f in old if f in body["followers"]]
        doc["followers"] = [f for f in old if f not in removed]
        store.save_contact(doc)
        return 200, {"followers": doc["followers"], "followersRemoved": removed}

    # ------------------------------------------------------------------ notes/tasks
    def child_or_fail(table: str, cid: str, child_id: str) -> dict[str, Any]:
        found = store.child(table, cid, child_id)
        if found is None:
            noun = "Note" if table == "notes" else "Task"
            raise bad_request(f"{noun} with id {child_id} not found")
        return found

    async def notes(request: Request, loc: str) -> tuple[int, Any]:
        cid = request.path_params["contactId"]
        contact(loc, cid)
        if request.method == "GET":
            return 200, {"notes": store.children("notes", cid)}
        body = check_body(await _json(request), NOTE_FIELDS, required=("body",))
        note = {"id": new_id(), "contactId": cid, "dateAdded": iso_ms(now_ms()), **body}
        note = {k: v for k, v in note.items() if v is not None}
        store.add_child("notes", loc, cid, note)
        return 201, {"note": note}

    async def note(request: Request, loc: str) -> tuple[int, Any]:
        cid, nid = request.path_params["contactId"], request.path_params["id"]
        contact(loc, cid)
        found = child_or_fail("notes", cid, nid)
        if request.method == "GET":
            return 200, {"note": found}
        if request.method == "DELETE":
            store.delete_child("notes", cid, nid)
            return 200, {"succeeded": True, "succeded": True}
        body = check_body(await _json(request), NOTE_FIELDS)
        found.update({k: v for k, v in body.items() if v is not None})
        store.add_child("notes", loc, cid, found)
        return 200, {"note": found}

    async def tasks(request: Request, loc: str) -> tuple[int, Any]:
        cid = request.path_params["contactId"]
        contact(loc, cid)
        if request.method == "GET":
            return 200, {"tasks": store.children("tasks", cid)}
        body = check_body(
            await _json(request), TASK_FIELDS, required=("title", "dueDate", "completed")
        )
        task = {"id": new_id(), "contactId": cid, **body}
        store.add_child("tasks", loc, cid, task)
        return 201, {"task": task}

    async def task(request: Request, loc: str) -> tuple[int, Any]:
        cid, tid = request.path_params["contactId"], request.path_params["taskId"]
        contact(loc, cid)
        found = child_or_fail("tasks", cid, tid)
        if request.method == "GET":
            return 200, {"task": found}
        if request.method == "DELETE":
            store.delete_child("tasks", cid, tid)
            return 200, {"succeeded": True, "succeded": True}
        body = check_body(await _json(request), TASK_FIELDS)
        found.update({k: v for k, v in body.items() if v is not None})
        store.add_child("tasks", loc, cid, found)
        return 200, {"task": found}

    async def task_completed(request: Request, loc: str) -> tuple[int, Any]:
        cid, tid = request.path_params["contactId"], request.path_params["taskId"]
        contact(loc, cid)
        found = child_or_fail("tasks", cid, tid)
        body = check_body(await _json(request), {"completed": "boolean"}, required=("completed",))
        found["completed"] = body["completed"]
        store.add_child("tasks", loc, cid, found)
        return 200, {"task": found}

    async def appointments(request: Request, loc: str) -> tuple[int, Any]:
        cid = request.path_params["contactId"]
        contact(loc, cid)
        return 200, {"events": store.children("appointments", cid)}

    # ------------------------------------------------------------------ campaigns/workflows
    async def campaign(request: Request, loc: str) -> tuple[int, Any]:
        cid = request.path_params["contactId"]
        contact(loc, cid)
        camp = request.path_params.get("campaignId", "*")
        if request.method == "POST":
            check_body(await _json(request), {})
        store.set_membership(loc, cid, "campaign", camp, present=request.method == "POST")
        return (201 if request.method == "POST" else 200), {"succeeded": True, "succeded": True}

    async def workflow(request: Request, loc: str) -> tuple[int, Any]:
        cid = request.path_params["contactId"]
        contact(loc, cid)
        body = check_body(await _json(request), {"eventStartTime": "string"})
        store.set_membership(
            loc, cid, "workflow", request.path_params["workflowId"],
            present=request.method == "POST", event_start_time=body.get("eventStartTime"),
        )  # fmt: skip
        return 200, {"succeeded": True, "succeded": True}

    async def custom_fields(request: Request, loc: str) -> tuple[int, Any]:
        _same_location(request.path_params["locationId"], loc)
        model = request.query_params.get("model", "all")
        fields = store.custom_fields(loc)
        if model not in ("all", "contact"):
            fields = []
        return 200, {"customFields": fields}

    cid = "/contacts/{contactId}"
    dup_query = ("locationId", "number", "email")
    business_query = ("locationId", "limit", "skip", "query", "startAfter")
    GET = ["GET"]
    routes = [
        Route("/contacts/", wrap(create_contact), methods=["POST"]),
        Route("/contacts", wrap(create_contact), methods=["POST"]),
        Route("/contacts/upsert", wrap(upsert_contact), methods=["POST"]),
        Route("/contacts/search", wrap(search_contacts), methods=["POST"]),
        Route("/contacts/search/duplicate", wrap(duplicate, dup_query), methods=["GET"]),
        Route("/contacts/business/{businessId}", wrap(by_business, business_query), methods=GET),
        Route("/contacts/bulk/tags/update/{type}", wrap(bulk_tags), methods=["POST"]),
        Route("/contacts/bulk/business", wrap(bulk_business), methods=["POST"]),
        Route(f"{cid}/tags", wrap(tags), methods=["POST", "DELETE"]),
        Route(f"{cid}/followers", wrap(followers), methods=["POST", "DELETE"]),
        Route(f"{cid}/notes", wrap(notes), methods=["GET", "POST"]),
        Route(f"{cid}/notes/{{id}}", wrap(note), methods=["GET", "PUT", "DELETE"]),
        Route(f"{cid}/tasks", wrap(tasks), methods=["GET", "POST"]),
        Route(f"{cid}/tasks/{{taskId}}", wrap(task), methods=["GET", "PUT", "DELETE"]),
        Route(f"{cid}/tasks/{{taskId}}/completed", wrap(task_completed), methods=["PUT"]),
        Route(f"{cid}/appointments", wrap(appointments), methods=["GET"]),
        Route(f"{cid}/campaigns/remove-all", wrap(campaign), methods=["DELETE"]),
        Route(f"{cid}/campaigns/{{campaignId}}", wrap(campaign), methods=["POST", "DELETE"]),
        Route(f"{cid}/workflow/{{workflowId}}", wrap(workflow), methods=["POST", "DELETE"]),
        Route(cid, wrap(get_contact), methods=["GET"]),
        Route(cid, wrap(update_contact), methods=["PUT"]),
        Route(cid, wrap(delete_contact), methods=["DELETE"]),
        Route(
            "/locations/{locationId}/customFields",
            wrap(custom_fields, ("model",)),
            methods=["GET"],
        ),
    ]
    app = Starlette(routes=[*routes, *DIRECTORY_ROUTES])
    app.state.store = store
    app.state.config = config
    return app
