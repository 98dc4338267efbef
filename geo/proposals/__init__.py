"""Proposals: a new SWV division (PO and VO together, inside the jeugdregio's), least disruption.

One module per job (see ``docs/proposals.md``):

- :mod:`geo.proposals.graph` - contiguity graphs per jeugdregio, islands linked explicitly;
- :mod:`geo.proposals.travel` - principle 2: distance to special education in the own SWV;
- :mod:`geo.overlap.disruption` - the exact definition of "a pupil keeps their SWV";
- :mod:`geo.proposals.bounds` - size bounds and feasible numbers of SWVs;
- :mod:`geo.proposals.solve` - the OR-Tools CP-SAT model of one jeugdregio;
- :mod:`geo.proposals.problem` - settings, the shared context and one CP-SAT instance per
  jeugdregio (the public interface the pipeline and the ensemble use);
- :mod:`geo.proposals.propose` - :func:`~geo.proposals.propose.propose`: the pipeline of the
  national proposal;
- :mod:`geo.proposals.report` - the proposal's report and scenario document;
- :mod:`geo.proposals.ensemble` - GerryChain ReCom samples next to the proposal.

Nothing is imported here, so ``import geo.proposals.errors`` stays light (no solver loaded).
"""
