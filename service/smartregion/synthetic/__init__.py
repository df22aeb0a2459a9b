"""A synthetic smart-region ecosystem of any size, for benchmarks and load tests.

``smartregion generate --scale N`` writes N organisations and everything around them that the
model knows: synthetic municipalities in districts in the 16 real states, persons with roles over
time (memberships with start and end), funding programmes with cohorts, projects, conferences with
sessions, organisers and speakers, and stated cooperations. It comes to about ten triples per
organisation, so ``--scale 100000`` gives about a million. The data follows ``ontology/README.md``
and passes the shapes, so that the build, the catalogue and the network meet what real data looks
like; participation is skewed (a few hubs take part in much, most actors in little), as in the
seed documents.

Generated data is a stand-in, never knowledge: it goes to a file the user names (by default under
the git-ignored ``bench/data/``), never into ``graph/``. The same scale and seed give the same
bytes, so a benchmark can be repeated.
"""

from smartregion.synthetic.ecosystem import (
    TRIPLES_PER_ORGANISATION,
    Summary,
    default_output,
    generate,
)

__all__ = ["TRIPLES_PER_ORGANISATION", "Summary", "default_output", "generate"]
