"""Slack channel (Events API) that answers each message exactly once.

Differences from Rasa's ``SlackInput`` (same URL, ``/webhooks/slack/webhook``):

- the request signature check is Rasa's (HMAC-SHA256 of the raw body with the
  signing secret, timestamps older than five minutes refused); a request that
  fails it gets a 401 and reaches nobody;
- ``url_verification`` is answered with ``{"challenge": "..."}`` (one of the
  forms Slack documents; the stock channel sends a bare JSON string);
- a delivery Slack retries is answered once, whatever the retry reason: the
  ``event_id`` is remembered for a day (stock: only ``http_timeout`` retries
  are skipped); and one mention that arrives twice, as ``app_mention`` and as
  ``message`` (two event ids, same channel and ``ts``), is answered once;
- user mentions (``<@U0LAN0Z89>``) are taken out of the text before the NLU;
- a body that is not JSON (or a form without a JSON ``payload``) is a 400, not
  a 500; control characters in the text become spaces;
- replies: buttons are Block Kit buttons (up to 25 per row block; the stock
  channel drops all buttons when there are more than 5), text longer than a
  Slack block takes is split over several blocks or messages instead of being
  cut, ``& < >`` are escaped so text is not read as Slack markup, and custom
  payloads that repeat the text (``triage``, ``assessment``) are not posted;
- the Slack Web API base URL is configurable (``api_url``), for tests and
  proxies;
- conversations are stored as ``slack:<team>:<member>`` (``slack:<member>``
  when the payload names no team; with ``conversation_granularity`` the
  member's channel or thread id instead of the member): no other channel
  can address them (``channels/conversation_ids.py``);
- too long a message or too many are refused before the NLU with a short
  reply, and the erase command works (``channels/edge.py``); the erase
  payload (``{"erase": true}``) is not posted;
- never silent: if nothing could be answered, an apology (``never_silent``);
- with no token and signing secret (the variables unset) the channel is off:
  the server starts, and the webhook answers 503 (``channels/base.py``).

The ids are remembered in this process only; see docs/channels/slack.md for
running several Rasa servers.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from channels.base import ChannelBase
from channels.conversation_ids import scoped
from channels.message_input import InvalidInput, clean_sender_id, clean_text
from channels.message_output import split_long_text, text_already_says_it
from channels.private_logs import failure
from channels.recent import RecentIds

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
# Slack limits: 3000 characters in a section block's text, 50 blocks in a
# message, 25 elements in an actions block, 75 characters in a button label.
BLOCK_TEXT_LIMIT = 3000
MAX_BLOCKS = 50
BUTTONS_PER_BLOCK = 25
BUTTON_LABEL_LIMIT = 75
# Message subtypes that are still a person writing to the bot.
USER_SUBTYPES = {None, "file_share", "thread_broadcast"}
# "<@U0LAN0Z89> is it ..." -> the mention itself means nothing to the NLU.
MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack reads as markup: ``a<b`` -> ``a&lt;b``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def button_blocks(buttons: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """Block Kit ``actions`` blocks for Rasa buttons, 25 buttons per block."""
    blocks = []
    for start in range(0, len(buttons), BUTTONS_PER_BLOCK):
        elements = []
        for index, button in enumerate(buttons[start : start + BUTTONS_PER_BLOCK], start):
            title = str(button.get("title", ""))
            if len(title) > BUTTON_LABEL_LIMIT:
                title = title[: BUTTON_LABEL_LIMIT - 1] + "…"
            elements.append(
                {
                    "type": "button",
                    "action_id": f"rasa_button_{index}",
                    "text": {"type": "plain_text", "text": title, "emoji": True},
                    "value": str(button.get("payload", "")),
                }
            )
        blocks.append({"type": "actions", "elements": elements})
    return blocks


def section_block(text: str) -> Dict[Text, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": escape_mrkdwn(text)}}


class SafeSlackBot(SlackBot):
    """Rasa's Slack output with the reply changes listed in the module docstring."""

    def __init__(
        self,
        token: Text,
        slack_channel: Optional[Text] = None,
        thread_id: Optional[Text] = None,
        proxy: Optional[Text] = None,
        api_url: Text = DEFAULT_API_URL,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=api_url, proxy=proxy)

    async def _post_message(self, channel: Text, **kwargs: Any) -> None:
        # `as_user` is for classic Slack apps only; new apps post as their bot.
        kwargs.pop("as_user", None)
        await super()._post_message(channel=channel, **kwargs)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        recipient = self.slack_channel or recipient_id
        for piece in split_long_text(text, BLOCK_TEXT_LIMIT):
            await self._post_message(channel=recipient, text=escape_mrkdwn(piece))

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        **kwargs: Any,
    ) -> None:
        recipient = self.slack_channel or recipient_id
        actions = button_blocks(buttons)
        sections = [section_block(piece) for piece in split_long_text(text, BLOCK_TEXT_LIMIT)]
        room = MAX_BLOCKS - len(actions)
        while len(sections) > room:  # very long text: earlier parts as their own messages
            chunk, sections = sections[:room], sections[room:]
            await self._post_message(
                channel=recipient, text=_fallback(chunk), blocks=chunk
            )
        blocks = sections + actions
        await self._post_message(channel=recipient, text=_fallback(sections) or " ", blocks=blocks)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        if text_already_says_it(json_message):
            return
        await super().send_custom_json(recipient_id, dict(json_message), **kwargs)


def _fallback(sections: List[Dict[Text, Any]]) -> str:
    """The notification text for a message made of section blocks."""
    return "\n\n".join(block["text"]["text"] for block in sections)[:BLOCK_TEXT_LIMIT]


class SafeSlackInput(ChannelBase, SlackInput):
    """Rasa's Slack channel with the changes listed in the module docstring."""

    title = "Slack"

    @classmethod
    def name(cls) -> Text:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            slack_token=credentials.get("slack_token") or "",
            slack_channel=credentials.get("slack_channel") or None,
            proxy=credentials.get("proxy") or None,
            slack_retry_reason_header=credentials.get(
                "slack_retry_reason_header", "x-slack-retry-reason"
            ),
            slack_retry_number_header=credentials.get(
                "slack_retry_number_header", "x-slack-retry-num"
            ),
            use_threads=bool(credentials.get("use_threads", False)),
            slack_signing_secret=credentials.get("slack_signing_secret") or "",
            conversation_granularity=credentials.get("conversation_granularity") or "sender",
            api_url=credentials.get("api_url") or DEFAULT_API_URL,
        )

    def __init__(self, *args: Any, api_url: Text = DEFAULT_API_URL, **kwargs: Any) -> None:
        self.api_url = api_url
        # event ids and (channel, ts) of messages already handled
        self.recent = RecentIds(ttl_seconds=24 * 3600, max_items=20_000)
        super().__init__(*args, **kwargs)

    @property
    def configured(self) -> bool:
        return bool(self.slack_token and self.slack_signing_secret)

    def _validate_credentials(self) -> None:
        if self.slack_token and not self.slack_signing_secret:
            raise InvalidConfigException(
                "Slack: SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not. The "
                "signing secret proves a request comes from Slack; set both or neither."
            )
        if self.slack_signing_secret and not self.slack_token:
            raise InvalidConfigException(
                "Slack: SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not; set both or neither."
            )
        if not self.configured:
            logger.info("Slack channel off: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set.")

    def get_output_channel(
        self, channel: Optional[Text] = None, thread_id: Optional[Text] = None
    ) -> OutputChannel:
        return SafeSlackBot(
            self.slack_token, channel or self.slack_channel, thread_id, self.proxy, self.api_url
        )

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        on_new_message = self.handler(on_new_message)
        slack_webhook = self.webhook_blueprint()

        @slack_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            off = self.refusal_when_off()
            if off is not None:
                return off
            if not self.is_request_from_slack_authentic(request):
                return response.text(
                    "The request is not signed with this app's signing secret, "
                    "or its timestamp is more than five minutes off.",
                    status=HTTPStatus.UNAUTHORIZED,
                )
            content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
            if content_type == "application/json":
                body = _json_object(request.body)
                if body is None:
                    return _bad_request("the body must be a JSON object")
                return await self._handle_event(request, body, on_new_message)
            if content_type == "application/x-www-form-urlencoded":
                payload = _json_object((request.form.get("payload") or "").encode())
                if payload is None:
                    return _bad_request("the form must have a JSON object in 'payload'")
                return self._handle_interaction(payload, on_new_message)
            return _bad_request("unsupported content type")

        return slack_webhook

    async def _handle_event(
        self,
        request: Request,
        body: Dict[Text, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> HTTPResponse:
        if body.get("type") == "url_verification":
            challenge = body.get("challenge")
            if not isinstance(challenge, str):
                return _bad_request("url_verification without a challenge")
            return response.json({"challenge": challenge})

        event = body.get("event")
        if body.get("type", "event_callback") != "event_callback" or not isinstance(event, dict):
            return response.text("ignored: not an event")
        if not self._is_user_message(body) or event.get("subtype") not in USER_SUBTYPES:
            return response.text("ignored: not a message from a person")
        metadata = self._event_metadata(body, event)
        if not metadata["out_channel"] or not self._is_supported_channel(body, metadata):
            return response.text("ignored: channel not supported")

        event_id = body.get("event_id")
        if event_id is not None and not self.recent.first_time(("event", str(event_id))):
            retry = request.headers.get(self.retry_num_header)
            logger.info(f"Slack delivered event {event_id} again (retry {retry}); not answering twice.")
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        message_key = ("message", metadata["out_channel"], event.get("ts") or event.get("event_ts"))
        if not self.recent.first_time(message_key):
            return response.text("ignored: message already answered", headers={"X-Slack-No-Retry": "1"})

        try:
            text = self._sanitize_user_message(event.get("text", ""), metadata["users"])
            text = clean_text(MENTION.sub(" ", text).strip())
            sender_id = self._conversation(
                body.get("team_id"), event.get("user"), metadata["out_channel"], metadata["thread_id"]
            )
        except InvalidInput as error:
            return _bad_request(str(error))
        self._dispatch(text, sender_id, metadata, on_new_message)
        return response.text("")

    def _handle_interaction(
        self,
        payload: Dict[Text, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> HTTPResponse:
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
            return response.text("ignored: no action")
        if not self._is_interactive_message(payload):
            return response.text("ignored: unsupported action")
        text = self._get_interactive_response(actions[0])
        if text is None:  # a link button: nothing to tell the bot
            return response.text("")
        key = payload.get("trigger_id") or actions[0].get("action_ts")
        if key and not self.recent.first_time(("interaction", str(key))):
            return response.text("")
        user = payload.get("user") if isinstance(payload.get("user"), dict) else {}
        channel = payload.get("channel") if isinstance(payload.get("channel"), dict) else {}
        message = payload.get("message") if isinstance(payload.get("message"), dict) else {}
        metadata = {
            "out_channel": channel.get("id"),
            "thread_id": message.get("thread_ts", message.get("ts")),
            "users": [user["id"]] if user.get("id") else [],
        }
        team = payload.get("team") if isinstance(payload.get("team"), dict) else {}
        try:
            text = clean_text(text)
            sender_id = self._conversation(
                team.get("id") or user.get("team_id"),
                user.get("id"),
                metadata["out_channel"],
                metadata["thread_id"],
            )
        except InvalidInput as error:
            return _bad_request(str(error))
        self._dispatch(text, sender_id, metadata, on_new_message)
        return response.text("")

    def _conversation(
        self, team: Any, user: Any, channel: Optional[Text], thread: Optional[Text]
    ) -> Text:
        """``slack:<team>:<member>`` (see the module docstring); InvalidInput if unusable."""
        conversation = clean_sender_id(self._get_conversation_id(user, channel, thread))
        return scoped("slack", team if isinstance(team, str) else None, conversation)

    @staticmethod
    def _event_metadata(body: Dict[Text, Any], event: Dict[Text, Any]) -> Dict[Text, Any]:
        users: List[Text] = []
        if isinstance(body.get("authed_users"), list):
            users = [str(user) for user in body["authed_users"]]
        elif isinstance(body.get("authorizations"), list) and body["authorizations"]:
            first = body["authorizations"][0]
            if isinstance(first, dict) and first.get("user_id"):
                users = [str(first["user_id"])]
        return {
            "out_channel": event.get("channel"),
            "thread_id": event.get("thread_ts", event.get("ts")),
            "users": users,
        }

    def _dispatch(
        self,
        text: Text,
        sender_id: Text,
        metadata: Dict[Text, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """Answer in the background: Slack wants its 200 within three seconds."""
        thread_id = metadata.get("thread_id") if self.use_threads else None
        message = UserMessage(
            text,
            self.get_output_channel(metadata.get("out_channel"), thread_id),
            sender_id,
            input_channel=self.name(),
            metadata=metadata,
        )
        task = asyncio.create_task(self._handle(message, on_new_message))
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)

    @staticmethod
    async def _handle(
        message: UserMessage, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        try:
            await on_new_message(message)
        except Exception as error:  # noqa: BLE001 - a failed reply must not kill the task silently
            failure(logger, "slack_reply_failed", message.sender_id, error)


def _json_object(raw: bytes) -> Optional[Dict[Text, Any]]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _bad_request(reason: str) -> HTTPResponse:
    return response.text(f"Bad request: {reason}.", status=HTTPStatus.BAD_REQUEST)

