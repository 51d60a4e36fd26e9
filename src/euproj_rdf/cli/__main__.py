"""``python -m euproj_rdf.cli``: the command line."""

from . import main

main()
