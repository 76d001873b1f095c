"""A Sanic app with one socket.io channel that echoes, for the session-room test.

    python -m tests.channels.socket_echo_server PORT CHANNEL_CLASS
    # CHANNEL_CLASS e.g. rasa.core.channels.socketio.SocketIOInput

No model and no Rasa server: the bot is replaced by "echo: <text>", so the test
shows only whether the channel delivers replies with session_persistence on.
"""
from __future__ import annotations

import sys

from rasa.core.channels.channel import UserMessage
from rasa.shared.utils.common import class_from_module_path
from sanic import Sanic


def main(port: int, channel_class: str) -> None:
    channel = class_from_module_path(channel_class).from_credentials(
        {"session_persistence": True}
    )

    async def echo(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": f"echo: {message.text}"})

    app = Sanic("socket_echo")
    app.blueprint(channel.blueprint(echo), url_prefix=f"/webhooks/{channel.url_prefix()}")
    app.run(host="127.0.0.1", port=port, access_log=False, motd=False, workers=1)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
