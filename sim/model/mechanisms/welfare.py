"""Welfare: what each party gains in a quarter, and the total in which transfers net out.

Every amount is USD mn for the quarter. The total counts resources only: what shippers
save, what exporters earn on their exports, what platforms earn beyond their train costs,
what projects abroad return beyond the cost of the funds lent to them, less what the
state pays in subsidies and fixed costs and what is lost when projects fail. Interest,
premiums, insurance claims, subsidies and the state's backstop of the insurer move money
between parties: :func:`welfare_by_party` books each twice, with opposite signs, so its
sum is :func:`welfare_total` (``tests/test_lender.py`` checks it for any numbers).
Loans, repayments and seized collateral swap assets for debts and are not income.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuarterAccounts:
    """The quarter's flows that welfare is made of (USD mn)."""

    shipper_surplus: float  # shippers' gain over a sea-only world (logit log-sum)
    operating_profit: float  # exporters' margin on export revenue
    platform_surplus: float  # platforms' revenue plus subsidy minus train costs
    subsidies: float  # paid to platforms by their owners
    fixed_costs: float  # terminals' fixed costs, paid by their owners
    project_returns: float  # projects abroad, converted at this quarter's exchange rate
    funding_cost: float  # the lender's cost of funds on the loans disbursed
    interest: float  # firms to the lender
    premiums: float  # firms to the insurer
    claims: float  # the insurer to the lender, on defaulted loans
    backstop: float  # the state to the insurer
    lender_loss: float  # defaulted loans less collateral seized and claims paid


def default_losses(a: QuarterAccounts) -> float:
    """What failed projects destroy: their loans less the collateral seized.

    The lender bears part (``lender_loss``) and the insurer the rest (``claims``).
    """
    return a.lender_loss + a.claims


def project_net_returns(a: QuarterAccounts) -> float:
    """Projects' returns less the cost of the funds lent to them."""
    return a.project_returns - a.funding_cost


def welfare_total(a: QuarterAccounts) -> float:
    """Resources gained in the quarter: surpluses and net returns less costs and losses.

    ``shippers + exporters + platforms - subsidies - fixed costs + projects' net returns
    - default losses``.
    """
    return (
        a.shipper_surplus
        + a.operating_profit
        + a.platform_surplus
        - a.subsidies
        - a.fixed_costs
        + project_net_returns(a)
        - default_losses(a)
    )


def welfare_by_party(a: QuarterAccounts) -> dict[str, float]:
    """Each party's gain, transfers booked on both sides; the values sum to the total."""
    return {
        "shippers": a.shipper_surplus,
        "exporters": a.operating_profit + a.project_returns - a.interest - a.premiums,
        "platforms": a.platform_surplus,
        "lender": a.interest + a.claims - a.funding_cost - default_losses(a),
        "insurer": a.premiums - a.claims + a.backstop,
        "state": -a.subsidies - a.fixed_costs - a.backstop,
    }
