"""First in the NLU pipeline: every later component reads ``triage.text.fold_text(text)``.

A zero-width space in "can't\u200b breathe", a soft hyphen or full-width letters
used to hide a red flag from the patterns and the intent model alike. Folding
here, once, covers every channel (web, Slack, Telegram, REST, the shell) and the
training data too, so the model learns from the same forms it is later shown.
The stored user message keeps what the person typed.

Example: "I ｃａｎ’ｔ breathe" -> "I can't breathe".
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

from triage.text import fold_text


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False
)
class TextNormalizer(GraphComponent):
    """Rewrites each message's text with ``fold_text``."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TextNormalizer":
        return cls()

    @staticmethod
    def _fold(messages: List[Message]) -> None:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                folded = fold_text(text)
                if folded != text:
                    message.set(TEXT, folded)

    def process(self, messages: List[Message]) -> List[Message]:
        self._fold(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._fold(training_data.training_examples)
        return training_data
