"""Custom actions for the spasm-vs-twitch assistant (rasa-sdk action server).

Thin glue: the decisions are made by the pure ``triage`` package and the text
comes from ``check_in_texts.yml``. Modules:

- ``symptom_check``: start the check-in, ask each question, validate answers;
- ``assessment``: the assessment at the end, and corrections after it.
"""
