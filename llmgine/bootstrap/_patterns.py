"""``WORKFLOW_PATTERNS``: each pattern of ``llmgine.workflows`` with default agents.

One entry per pattern, kept with the others of its family (``_patterns_core.py``,
``_patterns_refining.py``, ``_patterns_teams.py``); the catalogue sorts them by name. To
add a pattern, add its ``PatternEntry`` to its family's list: its name (the class's
``pattern``), what it does in a line, the input it takes, its default config, and a
function that builds it from the kit's agents and a config. ``tests/bootstrap/
test_catalogue.py`` checks that every pattern the package exports has an entry, and that
each entry builds its pattern with the kit's agents.
"""

from __future__ import annotations

from llmgine.bootstrap._catalogue import PatternCatalogue
from llmgine.bootstrap._patterns_core import CORE
from llmgine.bootstrap._patterns_refining import REFINING
from llmgine.bootstrap._patterns_teams import TEAMS

WORKFLOW_PATTERNS = PatternCatalogue([*CORE, *REFINING, *TEAMS])
"""The patterns ``llmgine workflow`` runs."""
