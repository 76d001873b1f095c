"""Telegram channel that only listens to Telegram, and makes no call at start-up.

Differences from Rasa's ``TelegramInput`` (same URL, ``/webhooks/telegram/webhook``):

- every update must carry the ``X-Telegram-Bot-Api-Secret-Token`` header with
  the secret given to ``setWebhook``; it is compared in constant time, and a
  wrong or missing one is a 403 before anything is parsed (the stock channel
  accepts anyone who knows the URL);
- no network call per update (the stock channel calls ``getMe`` for each one)
  and none while the server starts (it calls ``setWebhook`` there):
  ``make telegram-webhook`` registers the webhook with its secret once;
- an ``update_id`` seen in the last day is acknowledged and ignored, so an
  update Telegram re-sends is answered once;
- buttons are an inline keyboard, one button per row; a press is
  acknowledged (``answerCallbackQuery``, so the button stops spinning) and its
  payload goes to the bot as the person's message. Telegram allows 64 bytes of
  ``callback_data``; a longer payload is sent as a short key and looked up;
- ``/start`` (also ``/start@your_bot`` and deep links ``/start xyz``) is the
  greeting (``start_payload``, default ``/greet``); ``/restart`` restarts the
  conversation and greets;
- a body that is not an ``Update`` object is a 400, not a 500; control
  characters in the text become spaces; long texts are split at 4096
  characters instead of being refused; custom payloads that repeat the text
  (``triage``, ``assessment``) are not sent;
- conversations are stored as ``telegram:<chat id>``: a REST caller can no
  longer read a chat by sending its number (``channels/conversation_ids.py``);
- too long a message or too many are refused before the NLU with a short
  reply, and the erase command works (``channels/edge.py``); the erase
  payload (``{"erase": true}``) is not sent;
- never silent: if nothing could be answered, an apology (``never_silent``);
- the Bot API base URL is configurable (``api_url``), for tests and
  self-hosted Bot API servers;
- with no token and secret (the variables unset) the channel is off: the
  server starts, and the webhook answers 503 (``channels/base.py``).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections import OrderedDict
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from aiogram.bot.api import TelegramAPIServer, check_token
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.exceptions import ValidationError
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.core.constants import USER_INTENT_RESTART
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.base import ChannelBase
from channels.conversation_ids import scoped
from channels.message_input import InvalidInput, clean_sender_id, clean_text
from channels.message_output import split_long_text, text_already_says_it
from channels.private_logs import failure
from channels.recent import RecentIds

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# setWebhook: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are allowed."
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MESSAGE_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
LONG_PAYLOAD_PREFIX = "~p:"
RESTART = INTENT_MESSAGE_PREFIX + USER_INTENT_RESTART  # "/restart"
COMMAND = re.compile(r"^/(?P<command>[A-Za-z0-9_]+)(?:@(?P<bot>\w+))?(?:\s+(?P<argument>.*))?$", re.S)



def locale_metadata(update: Dict[Text, Any]) -> Dict[Text, Any]:
    """{"locale": "pt-br"} from the sender's Telegram language_code, if it has one.

    The emergency advice uses its region, when there is one, to choose the number
    (triage/emergency_numbers.py); nothing else about the sender is kept."""
    for kind in ("message", "edited_message", "callback_query"):
        item = update.get(kind)
        sender = item.get("from") if isinstance(item, dict) else None
        code = sender.get("language_code") if isinstance(sender, dict) else None
        if isinstance(code, str) and 0 < len(code) <= 35:
            return {"locale": code}
    return {}

class LongPayloads:
    """Button payloads too long for ``callback_data``, by a short key.

    ``key("/inform" + 80 characters)`` -> ``"~p:3f9a..."`` (under 64 bytes);
    ``payload("~p:3f9a...")`` gives it back. Bounded; keys are stable hashes,
    so a key survives as long as some process has sent that payload.
    """

    def __init__(self, max_items: int = 5000) -> None:
        self.max_items = max_items
        self._payloads: "OrderedDict[str, str]" = OrderedDict()

    def key(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
            return payload
        key = LONG_PAYLOAD_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:40]
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self.max_items:
            self._payloads.popitem(last=False)
        return key

    def payload(self, data: str) -> Optional[str]:
        if not data.startswith(LONG_PAYLOAD_PREFIX):
            return data
        return self._payloads.get(data)


class SafeTelegramOutput(TelegramOutput):
    """Rasa's Telegram output with a configurable Bot API base URL."""

    def __init__(
        self,
        access_token: Text,
        api_url: Text = DEFAULT_API_URL,
        long_payloads: Optional[LongPayloads] = None,
    ) -> None:
        # TelegramOutput.__init__ only calls Bot.__init__ with the production server.
        super(TelegramOutput, self).__init__(
            access_token, server=TelegramAPIServer.from_base(api_url)
        )
        self.long_payloads = long_payloads or LongPayloads()

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for piece in split_long_text(text, MESSAGE_LIMIT):
            await self.send_message(recipient_id, piece)

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        button_type: Optional[Text] = "inline",
        **kwargs: Any,
    ) -> None:
        keyboard = InlineKeyboardMarkup()
        for button in buttons:
            keyboard.row(
                InlineKeyboardButton(
                    str(button.get("title", "")),
                    callback_data=self.long_payloads.key(str(button.get("payload", ""))),
                )
            )
        *before, last = split_long_text(text, MESSAGE_LIMIT) or [" "]
        for piece in before:
            await self.send_message(recipient_id, piece)
        await self.send_message(recipient_id, last, reply_markup=keyboard)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        if text_already_says_it(json_message):
            return
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class SafeTelegramInput(ChannelBase, TelegramInput):
    """Rasa's Telegram channel with the changes listed in the module docstring."""

    title = "Telegram"

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            access_token=credentials.get("access_token") or "",
            verify=credentials.get("verify") or "",
            webhook_url=credentials.get("webhook_url") or "",
            secret_token=credentials.get("secret_token") or "",
            api_url=credentials.get("api_url") or DEFAULT_API_URL,
            start_payload=credentials.get("start_payload") or "/greet",
        )

    def __init__(
        self,
        access_token: Optional[Text],
        verify: Optional[Text],
        webhook_url: Optional[Text],
        debug_mode: bool = False,
        secret_token: Text = "",
        api_url: Text = DEFAULT_API_URL,
        start_payload: Text = "/greet",
    ) -> None:
        super().__init__(access_token or "", verify or "", webhook_url or "", debug_mode)
        self.secret_token = secret_token
        self.api_url = api_url
        self.start_payload = start_payload
        self.recent = RecentIds(ttl_seconds=24 * 3600, max_items=20_000)
        self._output: Optional[SafeTelegramOutput] = None
        self._validate()

    @property
    def configured(self) -> bool:
        return bool(self.access_token and self.secret_token)

    def _validate(self) -> None:
        if self.access_token and not self.secret_token:
            raise InvalidConfigException(
                "Telegram: TELEGRAM_BOT_TOKEN is set but TELEGRAM_SECRET_TOKEN is not. "
                "Without it anyone who knows the webhook URL can post as Telegram."
            )
        if self.secret_token and not SECRET_TOKEN.match(self.secret_token):
            raise InvalidConfigException(
                "Telegram: TELEGRAM_SECRET_TOKEN must be 1-256 characters of A-Z, a-z, 0-9, _ and -."
            )
        if self.secret_token and not self.access_token:
            raise InvalidConfigException(
                "Telegram: TELEGRAM_SECRET_TOKEN is set but TELEGRAM_BOT_TOKEN is not; set both or neither."
            )
        if self.access_token:
            try:
                check_token(self.access_token)
            except ValidationError as error:
                raise InvalidConfigException(
                    "Telegram: TELEGRAM_BOT_TOKEN does not look like a bot token (123456:ABC...)."
                ) from error
        else:
            logger.info("Telegram channel off: TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN are not set.")

    def get_output_channel(self) -> Optional[OutputChannel]:  # type: ignore[override]
        """The output channel; no network call (the webhook is set by `make telegram-webhook`)."""
        if not self.configured:
            return None
        if self._output is None:
            self._output = SafeTelegramOutput(self.access_token, self.api_url)
        return self._output

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        telegram_webhook = self.webhook_blueprint()
        answered = self.handler(on_new_message)

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            off = self.refusal_when_off()
            if off is not None:
                return off
            if not self._from_telegram(request):
                return response.text("Forbidden.", status=HTTPStatus.FORBIDDEN)
            update = _update(request.body)
            if update is None:
                return response.text(
                    "Bad request: the body must be a Telegram Update object.",
                    status=HTTPStatus.BAD_REQUEST,
                )
            if not self.recent.first_time(update["update_id"]):
                logger.info(f"Telegram sent update {update['update_id']} again; ignored.")
                return response.text("ok: already handled")
            await self._handle_update(update, request, answered)
            return response.text("ok")

        return telegram_webhook

    def _from_telegram(self, request: Request) -> bool:
        sent = request.headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(sent.encode("utf-8"), self.secret_token.encode("utf-8"))

    async def _handle_update(
        self,
        update: Dict[Text, Any],
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        output = self.get_output_channel()
        incoming = await self._incoming(update, output)
        if incoming is None:
            return  # a kind of update the bot does not answer (sticker, join, ...)
        chat_id, text = incoming
        try:
            sender_id = scoped("telegram", clean_sender_id(chat_id))
            text = clean_text(text)
        except InvalidInput as error:
            logger.warning(f"Telegram: ignored update {update['update_id']}: {error}.")
            return
        metadata = {**(self.get_metadata(request) or {}), **locale_metadata(update)}
        try:
            # on_new_message is never silent, except for a restart (nothing to say).
            for text_for_bot in self._texts_for_bot(text):
                await on_new_message(
                    UserMessage(text_for_bot, output, sender_id, input_channel=self.name(), metadata=metadata)
                )
        except Exception as error:  # noqa: BLE001 - a failed reply must still answer Telegram 200
            failure(logger, "telegram_reply_failed", sender_id, error)

    async def _incoming(
        self, update: Dict[Text, Any], output: SafeTelegramOutput
    ) -> Optional[Tuple[Any, Text]]:
        """(chat id, text) from a message, an edited message or a button press."""
        query = update.get("callback_query")
        if isinstance(query, dict):
            return await self._button_press(query, output)
        for kind in ("message", "edited_message"):
            message = update.get(kind)
            if isinstance(message, dict):
                chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
                text = message.get("text")
                if chat.get("id") is None or not isinstance(text, str):
                    return None
                return chat["id"], text
        return None

    async def _button_press(
        self, query: Dict[Text, Any], output: SafeTelegramOutput
    ) -> Optional[Tuple[Any, Text]]:
        if query.get("id") is not None:
            try:
                await output.answer_callback_query(str(query["id"]))
            except Exception as error:  # noqa: BLE001 - the press still counts
                logger.warning("Telegram: reason=answer_callback_failed error=%s", type(error).__name__)
        data = query.get("data")
        if not isinstance(data, str):
            return None
        message = query.get("message") if isinstance(query.get("message"), dict) else {}
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
        sender = query.get("from") if isinstance(query.get("from"), dict) else {}
        # An inline-mode message has no `message`: the person's own id is their chat.
        chat_id = chat.get("id", sender.get("id"))
        if chat_id is None:
            return None
        payload = output.long_payloads.payload(data) or _button_title(message, data)
        if payload is None:
            logger.warning("Telegram: a pressed button's payload is no longer known; ignored.")
            return None
        return chat_id, payload

    def _texts_for_bot(self, text: Text) -> List[Text]:
        """What the bot gets for a message: commands mapped, e.g. "/start" -> ["/greet"]."""
        command = COMMAND.match(text.strip())
        if command and command["bot"] and self.verify and command["bot"].lower() != self.verify.lower():
            return [text]  # a command for another bot in the same group
        name = command["command"].lower() if command else None
        if name == "start":
            return [self.start_payload]
        if name == "restart":
            return [RESTART, self.start_payload]
        return [text]


def _update(raw: bytes) -> Optional[Dict[Text, Any]]:
    """The Update object in a request body, or None if it is not one."""
    try:
        update = json.loads(raw)
        if isinstance(update, str):  # Rasa's own tests post the JSON encoded twice
            update = json.loads(update)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(update, dict):
        return None
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return None
    return update


def _button_title(message: Dict[Text, Any], data: str) -> Optional[str]:
    """The label of the pressed button, from the message's own keyboard."""
    markup = message.get("reply_markup") if isinstance(message.get("reply_markup"), dict) else {}
    for row in markup.get("inline_keyboard") or []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data:
                return button.get("text")
    return None
