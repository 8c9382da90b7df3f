"""The API app: every resource's routes (Contacts v3 and v2, Businesses, Users, OAuth), with
the most specific paths before ``/contacts/{contactId}`` itself."""

from __future__ import annotations

from starlette.applications import Starlette

from bulkio.sandbox.endpoint import ApiConfig
from bulkio.sandbox.resources import (
    business,
    businesses,
    campaigns,
    contacts,
    followers,
    notes,
    oauth,
    tags,
    tasks,
    users,
)
from bulkio.sandbox.storage import Store

ROUTES = [
    *contacts.ROUTES, *business.ROUTES, *tags.ROUTES, *followers.ROUTES, *notes.ROUTES,
    *tasks.ROUTES, *campaigns.ROUTES, *contacts.ID_ROUTES, *businesses.ROUTES, *users.ROUTES,
    *oauth.ROUTES,
]  # fmt: skip


def build_api(store: Store, config: ApiConfig) -> Starlette:
    """The Starlette app serving the API routes (auth is done by the gateway)."""
    app = Starlette(routes=ROUTES)
    app.state.store = store
    app.state.config = config
    return app
