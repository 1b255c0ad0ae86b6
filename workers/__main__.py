"""``python -m workers``: one gridops RQ worker (see workers.run)."""

from workers.run import main

main()
