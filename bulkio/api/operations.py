"""The Contacts API operations the import never needs: read and edit one note or task,
complete a task, leave every campaign, list a contact's appointments.

Thin calls over :meth:`bulkio.api.client.Client.request` (pacing, retries and error mapping
included); each names its endpoint as the spec writes it, so the request counts of a run
(``--json``) group them like the others.
"""

from __future__ import annotations

from typing import Any

from bulkio.api.client import Client

__all__ = [
    "appointments", "complete_task", "get_note", "get_task", "remove_from_all_campaigns",
    "update_note", "update_task",
]  # fmt: skip


async def _json(client: Client, method: str, path: str, endpoint: str,
                body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = await client.request(method, path, json=body, idempotent=True, endpoint=endpoint)
    return data if isinstance(data, dict) else {}


async def get_note(client: Client, contact_id: str, note_id: str) -> dict[str, Any]:
    """``GET /contacts/{contactId}/notes/{id}``: the note (``{}`` when the answer has none)."""
    data = await _json(client, "GET", f"/contacts/{contact_id}/notes/{note_id}",
                       "GET /contacts/{contactId}/notes/{id}")
    note = data.get("note")
    return note if isinstance(note, dict) else {}


async def update_note(client: Client, contact_id: str, note_id: str,
                      body: dict[str, Any]) -> dict[str, Any]:
    """``PUT /contacts/{contactId}/notes/{id}`` (body, title, pinned, color, userId)."""
    data = await _json(client, "PUT", f"/contacts/{contact_id}/notes/{note_id}",
                       "PUT /contacts/{contactId}/notes/{id}", body)
    note = data.get("note")
    return note if isinstance(note, dict) else {}


async def get_task(client: Client, contact_id: str, task_id: str) -> dict[str, Any]:
    """``GET /contacts/{contactId}/tasks/{taskId}``."""
    data = await _json(client, "GET", f"/contacts/{contact_id}/tasks/{task_id}",
                       "GET /contacts/{contactId}/tasks/{taskId}")
    task = data.get("task")
    return task if isinstance(task, dict) else {}


async def update_task(client: Client, contact_id: str, task_id: str,
                      body: dict[str, Any]) -> dict[str, Any]:
    """``PUT /contacts/{contactId}/tasks/{taskId}`` (title, body, dueDate, completed,
    assignedTo)."""
    data = await _json(client, "PUT", f"/contacts/{contact_id}/tasks/{task_id}",
                       "PUT /contacts/{contactId}/tasks/{taskId}", body)
    task = data.get("task")
    return task if isinstance(task, dict) else {}


async def complete_task(client: Client, contact_id: str, task_id: str, *,
                        completed: bool = True) -> dict[str, Any]:
    """``PUT /contacts/{contactId}/tasks/{taskId}/completed``."""
    data = await _json(client, "PUT", f"/contacts/{contact_id}/tasks/{task_id}/completed",
                       "PUT /contacts/{contactId}/tasks/{taskId}/completed",
                       {"completed": completed})
    task = data.get("task")
    return task if isinstance(task, dict) else {}


async def remove_from_all_campaigns(client: Client, contact_id: str) -> dict[str, Any]:
    """``DELETE /contacts/{contactId}/campaigns/remove-all``."""
    return await _json(client, "DELETE", f"/contacts/{contact_id}/campaigns/remove-all",
                       "DELETE /contacts/{contactId}/campaigns/remove-all")


async def appointments(client: Client, contact_id: str) -> list[dict[str, Any]]:
    """``GET /contacts/{contactId}/appointments``: the contact's events."""
    data = await _json(client, "GET", f"/contacts/{contact_id}/appointments",
                       "GET /contacts/{contactId}/appointments")
    events = data.get("events")
    return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []
