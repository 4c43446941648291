"""The model's rules as pure functions over arrays, one module per topic.

Each function states one rule of the ODD document's submodels. The model calls them in
bulk over all enterprises, platforms or provinces; the per-agent reference, the agents'
own methods and the tests call them on single cases (scalars in, 0-d arrays out). Nothing
here draws random numbers: draws are passed in, so the fast path and the reference
consume the same ones.

- :mod:`~sim.model.mechanisms.geography`: distances;
- :mod:`~sim.model.mechanisms.platforms`: mechanism 3, cost, trains both ways, prices,
  accounts;
- :mod:`~sim.model.mechanisms.service`: service frequency and border-crossing congestion;
- :mod:`~sim.model.mechanisms.choice`: mechanism 4, hub choice (logit, nested logit) and
  exports;
- :mod:`~sim.model.mechanisms.provinces`: mechanisms 5 and 6, objective, learning, credit;
- :mod:`~sim.model.mechanisms.finance`: mechanism 7, the lender;
- :mod:`~sim.model.mechanisms.innovation`: mechanism 8;
- :mod:`~sim.model.mechanisms.indicators`: inequality and concentration of outcomes;
- :mod:`~sim.model.mechanisms.welfare`: welfare by component and by party.
"""

from sim.model.mechanisms.choice import (
    SeparableSums,
    choice_probabilities,
    export_volume,
    hub_choice,
    hub_choice_probabilities,
    hub_inclusive_value,
    inbound_shares,
    inclusive_value,
    logit,
    nested_choice_probabilities,
    nested_inclusive_value,
    nested_logit,
    pick,
    rail_and_sea_nests,
    receivables_factor,
    separable_hub_choice,
    separable_log_sums,
)
from sim.model.mechanisms.finance import (
    lender_eligible,
    premium_rate,
    queue_order,
    queue_score,
    ration,
)
from sim.model.mechanisms.geography import EARTH_RADIUS_KM, haversine_km
from sim.model.mechanisms.indicators import gini, herfindahl
from sim.model.mechanisms.innovation import innovation_growth
from sim.model.mechanisms.platforms import (
    Accounts,
    both_ways,
    cost_per_feu,
    deficit_cover,
    empty_containers,
    load_factor,
    platform_accounts,
    platform_cost,
    platform_return_trains,
    platform_trains,
    posted_price,
    return_trains,
    smoothed_volume,
    trains_run,
)
from sim.model.mechanisms.provinces import (
    credit_shares,
    entry_probability,
    imitate,
    lever_step,
    platform_output,
    province_objective,
    turn_if_worse,
)
from sim.model.mechanisms.service import (
    QUARTER_DAYS,
    crossing_delay,
    crossing_overload,
    crossing_shares,
    crossing_trains,
    destination_trains,
    frequency_cost,
    frequency_wait_days,
)

__all__ = [
    "EARTH_RADIUS_KM",
    "QUARTER_DAYS",
    "Accounts",
    "choice_probabilities",
    "hub_choice",
    "hub_choice_probabilities",
    "hub_inclusive_value",
    "separable_hub_choice",
    "separable_log_sums",
    "SeparableSums",
    "inbound_shares",
    "cost_per_feu",
    "credit_shares",
    "crossing_delay",
    "crossing_overload",
    "crossing_shares",
    "crossing_trains",
    "deficit_cover",
    "both_ways",
    "empty_containers",
    "entry_probability",
    "export_volume",
    "frequency_cost",
    "destination_trains",
    "frequency_wait_days",
    "gini",
    "haversine_km",
    "herfindahl",
    "imitate",
    "inclusive_value",
    "innovation_growth",
    "lender_eligible",
    "lever_step",
    "load_factor",
    "logit",
    "nested_choice_probabilities",
    "nested_inclusive_value",
    "nested_logit",
    "pick",
    "platform_accounts",
    "platform_cost",
    "platform_output",
    "platform_return_trains",
    "platform_trains",
    "posted_price",
    "premium_rate",
    "province_objective",
    "queue_order",
    "queue_score",
    "rail_and_sea_nests",
    "ration",
    "receivables_factor",
    "return_trains",
    "smoothed_volume",
    "trains_run",
    "turn_if_worse",
]
