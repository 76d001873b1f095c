"""NLU component: mark red flags in every user message as ``red_flag`` entities.

Detection is deterministic (spaCy Matcher patterns with negation handling, see
``triage/red_flags.py``) and independent of the intent classifier: the entities
are added whatever intent DIET predicts, and ``RedFlagPolicy`` escalates on them.

Example: "I can't breathe when my neck cramps" ->
``{"entity": "red_flag", "value": "breathing_difficulty", "extractor": "RedFlagDetector"}``
"""
from __future__ import annotations

import re

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from triage.red_flags import detect_text

RED_FLAG_ENTITY = "red_flag"
#: message property: the language of the most urgent red flag ("en", "es", ...)
RED_FLAG_LANGUAGE = "red_flag_language"
# "/intent" or "/intent{json}" as sent by buttons; anything else is free text.
INTENT_PAYLOAD = re.compile(r"^/[\w/]+(\{.*\})?$", re.DOTALL)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class RedFlagDetector(GraphComponent):
    """Adds one ``red_flag`` entity per reason code found in the message text."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RedFlagDetector":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip():
                continue
            # Button payloads such as '/inform{"pain_level": "severe"}' are not
            # free text; their answers are triaged by the check-in itself.
            if INTENT_PAYLOAD.match(text):
                continue
            hits = detect_text(text)
            if not hits:
                continue
            # any sign written in another language sets the reply's language
            message.set(RED_FLAG_LANGUAGE, next((h.lang for h in hits if h.lang != "en"), "en"))
            entities = [
                e for e in message.get(ENTITIES, []) if e.get(ENTITY_ATTRIBUTE_TYPE) != RED_FLAG_ENTITY
            ]
            for hit in hits:
                entities.append(
                    {
                        ENTITY_ATTRIBUTE_TYPE: RED_FLAG_ENTITY,
                        ENTITY_ATTRIBUTE_VALUE: hit.reason,
                        ENTITY_ATTRIBUTE_START: hit.start_char,
                        ENTITY_ATTRIBUTE_END: hit.end_char,
                        ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
                        EXTRACTOR: self.__class__.__name__,
                    }
                )
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
