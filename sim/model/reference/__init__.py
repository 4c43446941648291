"""The per-agent reference: the model's rules written one agent at a time.

:class:`ReferenceModel` is the model with its fast (bulk) stages replaced by plain loops
over agents. Each :class:`ReferenceEnterprise` holds its state as ordinary attributes and
decides by itself, calling the scalar rules of :mod:`sim.model.mechanisms`: it prices its
options, keeps or re-chooses its route, exports, earns, runs its project, applies for a
loan, and exits when its cash runs out. The lender then rations its capacity over the
applicants in priority order, and entrants take the exited slots in slot order.
Platforms quote their price, run their trains and book their accounts one by one
(:meth:`~sim.model.agents.Platform.posted_cost`, :meth:`~sim.model.agents.Platform.run_trains`)
from volumes the enterprises' shipments add up to; each city adds up the output and
fiscal cost credited to it, scores itself (:meth:`~sim.model.agents.City.evaluate`) and
reviews its platforms by their value to it
(:meth:`~sim.model.agents.Platform.value_to_owner`). These are scalar calls of the same
pure functions the fast model calls over arrays, so the comparison checks that the bulk
calls compute what the per-agent rules state.

The reference consumes the same random numbers as the fast path (:class:`~sim.model.firms.Draws`
for each step, :class:`~sim.model.firms.EntrantDraws` for entrants), so on the same seed the two
models must agree step by step: exactly on discrete state (routes, project status, exits),
to floating-point tolerance on sums whose order differs. ``tests/test_reference.py``
checks this; it is the proof that the fast path computes the rules the ODD document
states. The reference is slow (pure Python per enterprise) and meant for reading and
testing, not for experiments.

The initial population is the fast path's (both models build it from the same draws);
everything after that is decided per agent. After each of its stages the reference writes
its agents' state into the model's arrays, so platforms, provinces and the recorded
outcomes read it as they read the fast path's.
"""

from sim.model.reference.enterprise import LoanRequest, ReferenceEnterprise
from sim.model.reference.model import ReferenceModel

__all__ = ["LoanRequest", "ReferenceEnterprise", "ReferenceModel"]
