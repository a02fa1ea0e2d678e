"""Tenancy: organisations, accounts, roles, grants, tokens, sessions, the audit log and the scope type.

It sits just above ``vedette.store``: every domain may import it, it imports no domain.

The scope pattern (Polar's, see ../shared/ARCHITECTURE.md):

- Authentication yields a subject (a user from a session cookie or an API token, or the CLI).
- Authorisation (``vedette.tenancy.authz``) alone turns it into an :class:`~vedette.tenancy.scope.OrgScope`,
  the organisation it acts for: ``OrgScope``'s constructor refuses to run without a private sentinel that
  only ``authz`` passes, so a scope cannot be forged by building the dataclass by hand.
- Repositories of private data (people, trips, locations, rules, alerts, check-ins, reports, evacuations,
  an organisation's own places) take an ``OrgScope`` as a REQUIRED argument and filter by
  ``scope.org_id``. Reading a record by id goes through the scope, and a record outside it is
  ``NotFound`` (HTTP 404, never 403: existence never leaks).
- Shared intelligence (documents, incidents, advisories, bundled places) needs no scope to read; changes to
  it check ``scope.can("review_shared")`` (operators only).
"""
