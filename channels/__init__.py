"""Our subclasses of Rasa's input channels, where the stock ones fall short.

Registered in credentials.yml by module path. Each keeps the stock channel's
URL (``/webhooks/<name>/webhook``) and changes only what is documented in it.
"""
