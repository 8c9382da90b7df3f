"""The API's routes as module-level handlers, one module per resource.

Each handler is ``async def handler(request, ctx) -> (status, body)``; each module lists its
``ROUTES``. :mod:`bulkio.sandbox.endpoint` wraps every handler the same way (strict JSON,
query whitelist, token kind, the ``Version`` dialect, error bodies) and
:func:`bulkio.sandbox.routes.build_api` puts the routes in matching order.

Modules: ``contacts``, ``notes``, ``tasks`` (and appointments), ``tags``, ``business`` (of
contacts), ``campaigns`` (and workflows), ``followers``, ``businesses``, ``users``, ``oauth``;
``common`` holds what they share.

May import: :mod:`bulkio.errors` and the rest of :mod:`bulkio.sandbox` only.
"""
