"""The organisation scope: the only key to tenant-private data.

An :class:`OrgScope` says "this subject acts for this organisation with this role". It is produced only by
``vedette.tenancy.authz`` (``scope_for`` for signed-in users and tokens, ``cli_scope`` for the CLI): the
constructor checks a private sentinel that only ``authz`` passes, so ``OrgScope(org_id=2, ...)`` written by
hand raises ``TypeError``.

Repositories of private data take an ``OrgScope`` as a required argument and filter every query by
``scope.org_id``; a record of another organisation is ``NotFound`` (404), never "forbidden" (403).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("admin", "manager", "analyst", "viewer", "operator")

# What each role may do. Actions name intentions, not routes:
#   read            read the organisation's private data (and shared intelligence)
#   annotate        flag/annotate shared intelligence for the organisation
#   post_documents  add documents to the shared intake
#   write           create/change/delete the organisation's private data (people, trips, rules, ...)
#   manage          organisation settings, imports, exports, erasure requests
#   manage_users    create/deactivate the organisation's users, reset their passwords
#   read_audit      read the organisation's audit log
#   review_shared   change shared intelligence (review, edit, set levels by hand): operators only
ACTIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "analyst": frozenset({"read", "annotate", "post_documents", "write"}),
    "manager": frozenset({"read", "annotate", "post_documents", "write", "manage"}),
    "admin": frozenset(
        {"read", "annotate", "post_documents", "write", "manage", "manage_users", "read_audit"}
    ),
    "operator": frozenset(
        {"read", "annotate", "post_documents", "write", "manage", "read_audit", "review_shared"}
    ),
}
ALL_ACTIONS = frozenset().union(*ACTIONS.values())

_MINT = object()  # private sentinel: only vedette.tenancy.authz passes it


@dataclass(frozen=True)
class OrgScope:
    """Who acts for which organisation, with what role. Produced only by ``vedette.tenancy.authz``."""

    org_id: int
    org_slug: str
    user_id: int | None  # None for CLI/system acts
    role: str  # "admin" | "manager" | "analyst" | "viewer" | "operator"
    actor: str = "user"  # "user" | "token" | "cli" | "system": recorded in the audit log
    on_behalf: bool = False  # an operator acting for an organisation other than its own (always audited)
    _mint: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._mint is not _MINT:
            raise TypeError("OrgScope is produced only by vedette.tenancy.authz")
        if self.role not in ACTIONS:
            raise ValueError(f"unknown role {self.role!r}")

    def can(self, action: str) -> bool:
        if action not in ALL_ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        return action in ACTIONS[self.role]
