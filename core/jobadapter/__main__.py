"""``python -m jobadapter``: the command line."""

from jobadapter.cli import main

main()
