"""``python -m observability.run_rasa run ...``: the ``rasa`` command, JSON logs from line one.

With ``LOG_FORMAT=json`` every line must be a JSON object, but Python prints
the warnings raised while the libraries are imported (pkg_resources,
matplotlib, ...) before any code of ours runs, and Sanic's import turns
deprecation warnings back on. This entry point routes warnings into logging
and gives the root logger the JSON formatter first, keeps Rasa from
replacing it by its coloured console handler (``coloredlogs``; the level it
would set, ``--debug``/``--quiet``/``LOG_LEVEL``, is still set), then runs
Rasa's own ``main`` with the same arguments. The container images use it as their
entry point; ``make run`` uses it when ``LOG_FORMAT=json``. Without
``LOG_FORMAT=json`` it is exactly ``rasa``.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Optional


def main() -> None:
    from observability.logs import JsonFormatter, json_logs_wanted

    if json_logs_wanted():
        logging.captureWarnings(True)
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logging.getLogger().addHandler(handler)
        import rasa.utils.io

        rasa.utils.io.configure_colored_logging = keep_json_handler
    sys.argv[0] = "rasa"
    from rasa.__main__ import main as rasa_main

    rasa_main()


def keep_json_handler(loglevel: Optional[str]) -> None:
    """What ``rasa.utils.io.configure_colored_logging`` does, less the coloured handler."""
    logging.getLogger().setLevel(loglevel or os.environ.get("LOG_LEVEL") or "INFO")


if __name__ == "__main__":
    main()
