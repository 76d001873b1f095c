"""Where the Rasa server keeps conversations: our subclasses of Rasa's stores.

Registered by module path in endpoints.yml (SQLite) and endpoints.scale.yml
(PostgreSQL + Redis): ``tracker_store.SafeSQLTrackerStore`` and
``lock_store.AtomicRedisLockStore``. Not training inputs: changing them never
needs a new model (unlike ``addons/``).
"""
