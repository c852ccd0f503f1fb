"""Fixed reference rows every demo database gets: the operators and the campaigns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from store.models import Channel, Role


@dataclass(frozen=True)
class DemoOperator:
    username: str
    display_name: str
    role: Role
    extension: str


OPERATORS: tuple[DemoOperator, ...] = (
    DemoOperator("anna", "Anna Bianchi", Role.OPERATOR, "100"),
    DemoOperator("marco", "Marco Ferri", Role.OPERATOR, "101"),
    DemoOperator("giulia", "Giulia Esposito", Role.OPERATOR, "102"),
    DemoOperator("tom", "Tom Baker", Role.OPERATOR, "103"),
    DemoOperator("lucia", "Lucía Fernández", Role.OPERATOR, "104"),
    DemoOperator("sofia", "Sofia Conti", Role.SUPERVISOR, "200"),
    DemoOperator("admin", "Administrator", Role.ADMIN, "900"),
)
AGENTS = tuple(operator for operator in OPERATORS if operator.role is not Role.ADMIN)


@dataclass(frozen=True)
class DemoCampaign:
    code: str
    name: str
    channel: Channel
    starts_days: int
    """Start, in days from `today` (negative: in the past)."""
    ends_days: int
    audience: str = ""
    """Customer status the campaign targets; empty means everyone."""

    def starts_on(self, today: date) -> date:
        return today + timedelta(days=self.starts_days)

    def ends_on(self, today: date) -> date:
        return today + timedelta(days=self.ends_days)


CAMPAIGNS: tuple[DemoCampaign, ...] = (
    DemoCampaign("CARD-UPGRADE", "Upgrade to Visa Gold", Channel.POST, -200, -140, "active"),
    DemoCampaign("MTG-REVIEW", "Mortgage rate review", Channel.EMAIL, -120, -60, "active"),
    DemoCampaign("WARRANTY-EXT", "Extend your appliance warranty", Channel.POST, -60, 30, "active"),
    DemoCampaign("WELCOME-BACK", "We miss you: win-back coupon", Channel.POST, -90, -10, "former"),
    DemoCampaign("LOYALTY-X2", "Double loyalty points month", Channel.SMS, -20, 40),
    DemoCampaign("OPEN-ACCOUNT", "Open an account, get a coupon", Channel.POST, -150, -30, "prospect"),
)
