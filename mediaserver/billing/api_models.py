"""Bodies of the billing JSON API."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from mediaserver.billing.overview import Overview
from mediaserver.billing.plans import Plan
from mediaserver.http.api import ApiModel

PLAN_KEY = r"^[a-z][a-z0-9_-]{0,31}$"


class PlanOut(ApiModel):
    key: str
    name: str
    price_cents: int = Field(description="Monthly price in the smallest unit of the currency.")
    max_height: int = Field(description="Highest video height; 0: no cap (4K).")
    max_streams: int = Field(description="Screens at once; 0: no limit.")
    may_download: bool
    max_downloads: int = Field(description="Titles saved for offline at once; 0: no limit.")
    max_profiles: int = Field(description="Profiles; 0: no limit.")
    preroll: bool = Field(description="A short clip plays before each title.")
    trial_days: int

    @classmethod
    def of(cls, plan: Plan) -> PlanOut:
        return cls(
            key=plan.key,
            name=plan.name,
            price_cents=plan.price_cents,
            max_height=plan.max_height,
            max_streams=plan.max_streams,
            may_download=plan.may_download,
            max_downloads=plan.max_downloads,
            max_profiles=plan.max_profiles,
            preroll=plan.preroll,
            trial_days=plan.trial_days,
        )


class InvoiceOut(ApiModel):
    id: str
    status: str
    amount_cents: int
    currency: str
    hosted_url: str | None
    created: float


class BillingOut(ApiModel):
    enabled: bool = Field(description="False: billing is off and every account has everything.")
    covered: bool = Field(description="False: this account is not billed (admin or exempt).")
    plan: PlanOut = Field(description="The plan in force now.")
    status: str = Field(description="The Stripe subscription's status; none without one.")
    pending_plan: str | None = Field(description="A lower plan waiting for the period's end.")
    current_period_end: float | None
    grace_ends: float | None = Field(description="A payment failed: when the plan ends.")
    notice: str
    next_invoice_cents: int | None
    next_invoice_due: float | None
    invoices: list[InvoiceOut]
    plans: list[PlanOut]

    @classmethod
    def of(cls, view: Overview) -> BillingOut:
        state, account, nxt = view.standing, view.standing.account, view.next_invoice
        return cls(
            enabled=view.enabled,
            covered=state.covered,
            plan=PlanOut.of(state.plan),
            status=account.status,
            pending_plan=account.pending_plan_key,
            current_period_end=account.current_period_end,
            grace_ends=state.grace_ends,
            notice=view.notice,
            next_invoice_cents=nxt.amount_cents if nxt else None,
            next_invoice_due=nxt.due if nxt else None,
            invoices=[InvoiceOut(**vars_of(i)) for i in view.invoices],
            plans=[PlanOut.of(p) for p in view.plans],
        )


def vars_of(row: object) -> dict[str, object]:
    return {f: getattr(row, f) for f in row.__dataclass_fields__}  # type: ignore[attr-defined]


class CheckoutBody(ApiModel):
    plan: str = Field(pattern=PLAN_KEY, description="The key of the plan to subscribe to.")


class RedirectOut(ApiModel):
    url: str = Field(description="The Stripe page to send the user to.")


class WebhookOut(ApiModel):
    received: bool
    duplicate: bool = Field(description="True: this event was applied before; nothing changed.")
    event_id: str


class PlanBody(ApiModel):
    """A plan's editable fields, all at once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=60)
    price_cents: int = Field(ge=0, le=1_000_000)
    max_height: int = Field(ge=0, le=10_000, description="0: no cap.")
    max_streams: int = Field(ge=0, le=100, description="0: no limit.")
    may_download: bool
    max_downloads: int = Field(ge=0, le=10_000, description="0: no limit.")
    max_profiles: int = Field(ge=0, le=100, description="0: no limit.")
    preroll: bool
    trial_days: int = Field(ge=0, le=365)

    def plan(self, key: str, position: int) -> Plan:
        return Plan(key, position=position, **self.model_dump())
