"""Extensions that run inside the Rasa server (not the action server).

Everything here must keep working when the action server is down: red-flag
detection (`red_flag_detector`), the escalation policy (`red_flag_policy`), the
message length guard (`message_limit`) and the response generator that puts
typed slot values into custom payloads (`response_generator`). The channel
connectors live in `channels/`.
"""

# Speed fixes to Rasa internals (see the module). Applied here because every
# Rasa server that loads this model imports `addons` before it serves.
from addons import rasa_patches as _rasa_patches

_rasa_patches.apply()
