"""Tasks of a contact (list, create, read, update, complete, delete) and its appointments."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from bulkio.sandbox.endpoint import Ctx, endpoint, read_json
from bulkio.sandbox.resources.common import CONTACT, child_or_fail, find_contact
from bulkio.sandbox.storage import new_id
from bulkio.sandbox.validation import TASK_FIELDS, check_body


async def tasks(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    cid = request.path_params["contactId"]
    find_contact(store, loc, cid)
    if request.method == "GET":
        return 200, {"tasks": store.children("tasks", cid)}
    body = check_body(
        await read_json(request), TASK_FIELDS, required=("title", "dueDate", "completed")
    )
    task = {"id": new_id(), "contactId": cid, **body}
    task = {k: v for k, v in task.items() if v is not None}  # as for contacts and notes
    store.add_child("tasks", loc, cid, task)
    return 201, {"task": task}


async def task(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    cid, tid = request.path_params["contactId"], request.path_params["taskId"]
    find_contact(store, loc, cid)
    found = child_or_fail(store, "tasks", cid, tid)
    if request.method == "GET":
        return 200, {"task": found}
    if request.method == "DELETE":
        store.delete_child("tasks", cid, tid)
        return 200, {"succeeded": True, "succeded": True}
    body = check_body(await read_json(request), TASK_FIELDS)
    found.update({k: v for k, v in body.items() if v is not None})
    store.add_child("tasks", loc, cid, found)
    return 200, {"task": found}


async def task_completed(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    cid, tid = request.path_params["contactId"], request.path_params["taskId"]
    find_contact(store, loc, cid)
    found = child_or_fail(store, "tasks", cid, tid)
    body = check_body(await read_json(request), {"completed": "boolean"}, required=("completed",))
    found["completed"] = body["completed"]
    store.add_child("tasks", loc, cid, found)
    return 200, {"task": found}


async def appointments(request: Request, ctx: Ctx) -> tuple[int, Any]:
    store, loc = ctx.store, ctx.location_id
    cid = request.path_params["contactId"]
    find_contact(store, loc, cid)
    return 200, {"events": store.children("appointments", cid)}


# ------------------------------------------------------------------ campaigns/workflows


ROUTES = [
    Route(f"{CONTACT}/tasks", endpoint(tasks), methods=["GET", "POST"]),
    Route(f"{CONTACT}/tasks/{{taskId}}", endpoint(task), methods=["GET", "PUT", "DELETE"]),
    Route(f"{CONTACT}/tasks/{{taskId}}/completed", endpoint(task_completed), methods=["PUT"]),
    Route(f"{CONTACT}/appointments", endpoint(appointments), methods=["GET"]),
]
