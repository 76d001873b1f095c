"""``LOG_FORMAT=json``: every log line of the servers as one JSON object.

For collectors that parse logs (Loki, Elasticsearch, Cloud Logging). With
``LOG_FORMAT=json`` every handler of Python's logging, ours, Rasa's and
Sanic's, gets ``JsonFormatter``::

    {"time": "2024-05-02T10:15:01.532Z", "level": "info", "logger": "channels.edge",
     "message": "reason=rate_limited channel=rest sender=s-5c1a0e93b2d4"}

Rasa's own structured (structlog) lines are already JSON; their fields are
merged into the object instead of being quoted inside ``message``. An error's
traceback becomes ``"error": "KeyError at triage/rules.py:163 in reason <- ..."``
(``channels/private_logs.where``): the type and the frames, never the
exception's message, which can quote what a person wrote. The text of the
messages is what it is without this setting: our code logs reason codes and
hashed conversation ids (``channels/private_logs.py``), and nothing at INFO
level quotes a message; ``--debug`` does, so never use it in production.

Any other value (or none) keeps the usual human-readable lines.
"""
from __future__ import annotations

import json
import logging
import os
import time
from typing import Any, Dict, Iterable, Optional

from channels.private_logs import where

JSON = "json"


def json_logs_wanted() -> bool:
    return (os.environ.get("LOG_FORMAT") or "").strip().lower() == JSON


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines inside are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: Dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        message = record.getMessage()
        structured = _as_object(message)
        if structured is not None:
            event = structured.pop("event", None)
            structured.pop("level", None)
            entry["message"] = str(event) if event is not None else ""
            entry.update({key: value for key, value in structured.items() if key not in entry})
        else:
            entry["message"] = message
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = where(record.exc_info[1])
        return json.dumps(entry, ensure_ascii=False, default=str)


def _as_object(message: str) -> Any:
    if not (message.startswith("{") and message.endswith("}")):
        return None
    try:
        value = json.loads(message)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _every_logger() -> Iterable[logging.Logger]:
    yield logging.getLogger()
    for candidate in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(candidate, logging.Logger):
            yield candidate


def apply(loggers: Optional[Iterable[logging.Logger]] = None) -> bool:
    """Give every existing handler the JSON formatter, if ``LOG_FORMAT=json``.

    Called when the channels are imported (before Rasa's first server line)
    and again before the server starts (Sanic sets up its own loggers after
    ours). ``loggers``: only these (default: all). Returns whether JSON logs are on.
    """
    if not json_logs_wanted():
        return False
    formatter = JsonFormatter()
    if loggers is None:
        logging.captureWarnings(True)
        loggers = _every_logger()
    for logger in loggers:
        for handler in logger.handlers:
            if not isinstance(handler.formatter, JsonFormatter):
                handler.setFormatter(formatter)
    return True


def apply_on_start(_app: Any = None, _loop: Any = None) -> None:
    """Sanic listener form of ``apply``."""
    apply()
