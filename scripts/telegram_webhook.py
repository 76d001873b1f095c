#!/usr/bin/env python3
"""Register the Telegram webhook with its secret token (`make telegram-webhook`).

Calls the Bot API's ``setWebhook`` directly: aiogram 2.x, which Rasa 3.6 uses,
cannot pass ``secret_token``, and the Rasa server must not make this call at
every start. Run it once per URL or secret change. Example:

    TELEGRAM_BOT_TOKEN=123456:ABC... TELEGRAM_SECRET_TOKEN=$(openssl rand -hex 32) \\
    TELEGRAM_WEBHOOK_URL=https://bot.example.org/webhooks/telegram/webhook \\
        python scripts/telegram_webhook.py

``--delete`` removes the webhook instead. Settings (environment):
TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN, TELEGRAM_WEBHOOK_URL and
TELEGRAM_API_URL (default https://api.telegram.org).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any, Dict, List

import requests

DEFAULT_API_URL = "https://api.telegram.org"
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# The updates channels/telegram.py answers; Telegram sends no others.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def call(api_url: str, token: str, method: str, params: Dict[str, Any]) -> Dict[str, Any]:
    """POST one Bot API method; its ``result``, or SystemExit with Telegram's reason."""
    url = f"{api_url.rstrip('/')}/bot{token}/{method}"
    try:
        reply = requests.post(url, json=params, timeout=30)
        body = reply.json()
    except (requests.RequestException, ValueError) as error:
        # The URL holds the token: name the method, never the URL.
        raise SystemExit(f"error: {method} failed: {type(error).__name__}") from None
    if not body.get("ok"):
        raise SystemExit(f"error: {method}: {body.get('description', 'no reason given')}")
    return body.get("result")


def problems(token: str, secret: str, url: str, deleting: bool) -> List[str]:
    found = []
    if not token:
        found.append("TELEGRAM_BOT_TOKEN is not set (BotFather gives it).")
    if deleting:
        return found
    if not SECRET_TOKEN.match(secret):
        found.append("TELEGRAM_SECRET_TOKEN must be 1-256 characters of A-Z, a-z, 0-9, _ and -.")
    if not url.startswith("https://"):
        found.append(
            "TELEGRAM_WEBHOOK_URL must be the public https URL of "
            "/webhooks/telegram/webhook (Telegram only calls https)."
        )
    return found


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delete", action="store_true", help="remove the webhook")
    args = parser.parse_args(argv)
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "")
    secret = os.environ.get("TELEGRAM_SECRET_TOKEN", "")
    url = os.environ.get("TELEGRAM_WEBHOOK_URL", "")
    api_url = os.environ.get("TELEGRAM_API_URL") or DEFAULT_API_URL
    found = problems(token, secret, url, args.delete)
    if found:
        print("\n".join(f"error: {problem}" for problem in found), file=sys.stderr)
        return 2
    if args.delete:
        call(api_url, token, "deleteWebhook", {})
        print("Webhook removed.")
        return 0
    call(
        api_url,
        token,
        "setWebhook",
        {"url": url, "secret_token": secret, "allowed_updates": ALLOWED_UPDATES},
    )
    info = call(api_url, token, "getWebhookInfo", {})
    print(f"Webhook set: {info.get('url')} (pending updates: {info.get('pending_update_count', 0)})")
    if info.get("last_error_message"):
        print(f"Telegram's last delivery error: {info['last_error_message']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
