"""Ask to rephrase instead of giving an FAQ answer the selector is unsure of.

DIET can be confident that a message is *some* FAQ question ("purple elephant"
-> intent ``faq`` at 1.0) while the ResponseSelector has no idea which answer
fits (0.09). Rasa's FallbackClassifier looks only at the intent, so a wrong
answer would go out with confidence. This component, after the
FallbackClassifier, turns such a message into ``nlu_fallback``: the person is
asked to rephrase (or, mid check-in, the text is taken as an answer).

Threshold chosen on the held-out FAQ set: correct answers had a median
selector confidence of 0.96; nonsense stayed below 0.2.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.intent_override import override_intent


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class FaqConfidenceGuard(GraphComponent):
    """``faq`` with a response-selector confidence below ``threshold`` -> nlu_fallback."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"retrieval_intent": "faq", "threshold": 0.2}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.retrieval_intent = config["retrieval_intent"]
        self.threshold = float(config["threshold"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqConfidenceGuard":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") != self.retrieval_intent:
                continue
            selected = (message.get("response_selector") or {}).get(self.retrieval_intent, {})
            confidence = (selected.get("response") or {}).get(PREDICTED_CONFIDENCE_KEY)
            if confidence is None or confidence >= self.threshold:
                continue
            override_intent(message, DEFAULT_NLU_FALLBACK_INTENT_NAME, 1 - confidence)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
