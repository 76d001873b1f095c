"""Pure-Python safety core of the spasm-vs-twitch assistant (no Rasa imports).

* ``triage.rules``      -- rules.yml: levels, reason codes with sources, point system, tips
* ``triage.red_flags``  -- deterministic red-flag detection on spaCy Docs (lazy: imports spaCy)
* ``triage.negation``   -- NegEx-style negation and "general question" context rules
* ``triage.answers``    -- normalisers from free text / button payloads to slot values
* ``triage.assessment`` -- ``assess(answers) -> Assessment``

``python -m triage "text"`` prints the red flags found in a text as JSON.
"""

__all__ = ["rules", "red_flags", "negation", "answers", "assessment"]
