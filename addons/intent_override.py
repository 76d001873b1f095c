"""One way for a guard component to replace the classifier's intent.

The guards after DIET (FaqConfidenceGuard, IntentEvidenceGuard, MedicineQuestionGuard,
LanguageIdentifier) each decide, by a rule, that a message is something other than
what DIET said. They all replace the intent the same way: the new intent, and the same
at the top of the ranking, so Rasa's rules and anyone reading the parse see one answer.

Example: override_intent(message, "nlu_fallback") -> intent nlu_fallback (1.0), first
in intent_ranking.
"""
from __future__ import annotations

from typing import Text

from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message


def override_intent(message: Message, name: Text, confidence: float = 1.0) -> None:
    intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    message.set(INTENT, intent, add_to_output=True)
    ranking = message.get(INTENT_RANKING_KEY) or []
    message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
