"""Stage 4, api: requests out, answers in. The only package that talks HTTP.

The async httpx client owns authentication, the ``Version`` header and the dialect of each
API version, pacing from the ``X-RateLimit-*`` headers, adaptive concurrency, retries and
the mapping of HTTP failures onto the :mod:`bulkio.errors` tree (never leaking the token).

May import: :mod:`bulkio.errors` (and nothing else of bulkio: it knows requests, not rows).

Public names:
- :mod:`~bulkio.api.agency`: ``installed_locations``, ``location_token``,
  ``exchange_location_tokens``, ``fan_out``, ``LocationTarget``, ``LocationOutcome``,
  ``InstalledLocation`` (agency tokens; one coroutine and one client per location)
- :mod:`~bulkio.api.client`: ``Client``, ``DEFAULT_MAX_IN_FLIGHT``
- :mod:`~bulkio.api.pacing`: ``Pacer``, ``AdaptiveConcurrency``, ``parse_rate_headers``,
  ``seconds_to_utc_midnight``
- :mod:`~bulkio.api.wire`: ``API_VERSIONS``, ``DEFAULT_BASE_URL``, ``ClientStats``,
  ``api_message``, ``row_error`` (an API error as a row's code and message)
- :mod:`~bulkio.api.operations`: ``get_note``, ``update_note``, ``get_task``,
  ``update_task``, ``complete_task``, ``remove_from_all_campaigns``, ``appointments``
- :mod:`~bulkio.api.lookups`: ``BusinessDirectory`` (company name -> business id, cached per
  run), ``delete_business``
"""
