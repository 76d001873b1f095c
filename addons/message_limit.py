"""Cap the text the rest of the NLU pipeline sees.

A 100 KB paste kept Rasa's starter bot busy for 42 s (featurizers and DIET grow
with the text). Nobody describes a cramp in more than a few paragraphs, so the
components after this one see only the first ``max_characters`` characters.
The stored user message keeps the full text, and red flags are detected on the
full text *before* this component runs (see ``config.yml``).
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False
)
class MessageLengthLimiter(GraphComponent):
    """Truncates message text, e.g. 20,000 characters -> the first 1,000."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_characters": 1000}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.max_characters = int(config["max_characters"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MessageLengthLimiter":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and len(text) > self.max_characters:
                message.set(TEXT, text[: self.max_characters])
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
