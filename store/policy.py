"""The one policy table: what each role may see of a customer and may do. Nothing else decides.

A rule is a role's reach for an action: NONE, OWN (only objects the actor owns, such as their own
callbacks) or ANY. Store functions that read or write customer data take the signed-in `Actor`
and call `require` (or `allowed` for a field they leave out); a screen hiding a button is a
courtesy, not the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from store.models import Role


class Reach(IntEnum):
    NONE = 0
    OWN = 1
    TEAM = 2
    """Objects of the actor's own team (and their own): a supervisor steers their team."""
    ANY = 3


class Action(StrEnum):
    # What a role sees of a customer (fields).
    SEE_BIRTH_DATE = "see.birth_date"
    SEE_FULL_ADDRESS = "see.full_address"
    SEE_BALANCES = "see.balances"
    SEE_CARD_DIGITS = "see.card_digits"
    """A card's first 6 digits (of the masked first 6 / last 4); without it only the last 4."""
    # What a role may do.
    SEARCH = "search"
    VIEW_CUSTOMER = "customer.view"
    CLOSE_CALLBACK = "callback.close"
    REASSIGN_TICKET = "ticket.reassign"
    REVIEW_TICKET = "ticket.review"
    """The ticket queue and a ticket's review: its timeline, priority, escalation, notes, close."""
    READ_REPORTS = "reports.read"
    WATCH_FLOOR = "floor.watch"
    """The live floor: who is signed in, in which state, calls and wrap-ups in progress."""
    EXPORT = "customer.export"
    MERGE = "customer.merge"
    ERASE = "customer.erase"
    IMPORT = "customer.import"
    DEDUPE = "customer.dedupe"
    RETURNED_MAIL_WORKLIST = "customer.returned_mail_worklist"
    """The customers whose address returns mail, to confirm or replace it (the console's worklist)."""
    SUBJECT_ACCESS = "customer.subject_access"
    """Everything stored about one person, for their GDPR right of access (`callpop gdpr export`)."""
    MANAGE_OPERATORS = "operators.manage"
    MANAGE_SESSIONS = "sessions.manage"
    LOAD_OFFERS = "offers.load"
    LOAD_DEMO = "demo.load"
    READ_AUDIT = "audit.read"
    MANAGE_OUTBOX = "outbox.manage"
    """The webhooks outbox: list deliveries, retry them, run the dispatcher (`callpop outbox`)."""
    ADMINISTER_DATABASE = "database.admin"


_O, _S, _A = Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN
N, OWN, TEAM, ANY = Reach.NONE, Reach.OWN, Reach.TEAM, Reach.ANY

POLICY: dict[Action, dict[Role, Reach]] = {
    Action.SEE_BIRTH_DATE: {_O: N, _S: ANY, _A: ANY},
    Action.SEE_FULL_ADDRESS: {_O: ANY, _S: ANY, _A: ANY},
    Action.SEE_BALANCES: {_O: ANY, _S: ANY, _A: ANY},
    Action.SEE_CARD_DIGITS: {_O: ANY, _S: ANY, _A: ANY},
    Action.SEARCH: {_O: ANY, _S: ANY, _A: ANY},
    Action.VIEW_CUSTOMER: {_O: ANY, _S: ANY, _A: ANY},
    Action.CLOSE_CALLBACK: {_O: OWN, _S: ANY, _A: ANY},
    Action.REASSIGN_TICKET: {_O: N, _S: ANY, _A: ANY},
    Action.REVIEW_TICKET: {_O: N, _S: TEAM, _A: ANY},
    Action.READ_REPORTS: {_O: N, _S: TEAM, _A: ANY},
    Action.WATCH_FLOOR: {_O: N, _S: TEAM, _A: ANY},
    Action.EXPORT: {_O: N, _S: N, _A: ANY},
    Action.MERGE: {_O: N, _S: N, _A: ANY},
    Action.ERASE: {_O: N, _S: N, _A: ANY},
    Action.IMPORT: {_O: N, _S: N, _A: ANY},
    Action.DEDUPE: {_O: N, _S: ANY, _A: ANY},
    Action.RETURNED_MAIL_WORKLIST: {_O: N, _S: ANY, _A: ANY},
    Action.SUBJECT_ACCESS: {_O: N, _S: N, _A: ANY},
    Action.MANAGE_OPERATORS: {_O: N, _S: N, _A: ANY},
    Action.MANAGE_SESSIONS: {_O: N, _S: N, _A: ANY},
    Action.LOAD_OFFERS: {_O: N, _S: N, _A: ANY},
    Action.LOAD_DEMO: {_O: N, _S: N, _A: ANY},
    Action.READ_AUDIT: {_O: N, _S: ANY, _A: ANY},
    Action.MANAGE_OUTBOX: {_O: N, _S: N, _A: ANY},
    Action.ADMINISTER_DATABASE: {_O: N, _S: N, _A: ANY},
}
"""Role x action -> reach. Every action has a rule for every role (a test holds it to that).

Operators confirm a caller's address and answer balance questions, so they see both; a card is
only ever shown masked to its first 6 / last 4 (PCI DSS 3.4.1), to every role. The birth date is
for supervisors and admins: an operator sees the age. Bulk data leaves or changes only by an admin
(import, export, merge, erasure, a person's whole record: issue 12); supervisors may list likely
duplicates to hand to one. The returned-mail worklist is the supervisors' (and admins'): a customer
belongs to no team, so a supervisor's reach is every customer on it; an operator fixes the address
of the caller in front of them, from the profile."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: the signed-in operator row (store.identity hands these out)."""

    username: str
    role: Role
    operator_id: int | None = None
    session_id: int | None = None
    team: str = ""


class Forbidden(PermissionError):
    """The actor's role may not do this; nothing was read or written."""

    def __init__(self, actor: Actor, action: Action) -> None:
        super().__init__(f"{actor.username} ({actor.role}) may not {action.value}")
        self.actor, self.action = actor, action


def allowed(role: Role, action: Action, *, own: bool = True, same_team: bool = True) -> bool:
    """Whether `role` may do `action` on an object that is (`own`) or is not the actor's, and
    that is (`same_team`) or is not of the actor's team."""
    reach = POLICY[action][Role(role)]
    if reach is Reach.TEAM:
        return own or same_team
    return reach is Reach.ANY or (reach is Reach.OWN and own)


def require(actor: Actor, action: Action, *, owner: str | None = None, team: str | None = None) -> None:
    """Raise Forbidden unless `actor` may do `action` (on an object owned by `owner` and worked by
    `team`, if given). A supervisor with no team reaches no team's objects, only unscoped ones."""
    own = owner is None or owner == actor.username
    same_team = team is None or (actor.team != "" and team == actor.team)
    if not allowed(actor.role, action, own=own, same_team=same_team):
        raise Forbidden(actor, action)


def team_scope(actor: Actor, action: Action) -> str | None:
    """The one team whose objects `actor` may list for `action` (None: every team). Raises
    Forbidden when the role reaches none; listing queries filter by the team it returns."""
    reach = POLICY[action][Role(actor.role)]
    if reach is Reach.NONE or reach is Reach.OWN:
        raise Forbidden(actor, action)
    return actor.team if reach is Reach.TEAM else None
