"""NLU component: the language of every message, as a ``reply_language`` entity.

Runs last in the pipeline. A red flag written in another language sets it (the
pattern knows its language); otherwise ``triage.language.language_of`` decides.
A message in another language with no warning sign becomes ``nlu_fallback``,
whose reply (``utter_please_rephrase``) has a variation per language: what the
assistant can do, in that language, with the emergency number.

Example: "ich kann nicht atmen" -> reply_language "de" (and RedFlagPolicy sends
the German emergency advice, then the English); "tengo calambres en la pierna"
-> reply_language "es", intent nlu_fallback.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Text

import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.intent_evidence import words_of
from addons.intent_override import override_intent
from addons.red_flag_detector import INTENT_PAYLOAD, RED_FLAG_ENTITY, RED_FLAG_LANGUAGE
from triage.language import language_of

REPLY_LANGUAGE_ENTITY = "reply_language"
WORDS_FILE = "english_words.json"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class LanguageIdentifier(GraphComponent):
    """Adds ``reply_language``; another language without a red flag -> nlu_fallback.

    Trained only in the sense that it remembers the words of the English training
    examples: a message made of them is English whatever the language model says."""

    def __init__(self, model_storage: ModelStorage, resource: Resource,
                 known_words: Iterable[Text] = ()) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.known_words = frozenset(known_words)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageIdentifier":
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        words = sorted({w for ex in training_data.training_examples
                        for w in words_of(ex.get(TEXT) or "")})
        self.known_words = frozenset(words)
        with self._model_storage.write_to(self._resource) as model_dir:
            rasa.shared.utils.io.dump_obj_as_json_to_file(model_dir / WORDS_FILE, words)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LanguageIdentifier":
        with model_storage.read_from(resource) as model_dir:
            words = rasa.shared.utils.io.read_json_file(model_dir / WORDS_FILE)
        return cls(model_storage, resource, words)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip() or INTENT_PAYLOAD.match(text):
                continue
            entities = message.get(ENTITIES, [])
            flagged = any(e.get(ENTITY_ATTRIBUTE_TYPE) == RED_FLAG_ENTITY for e in entities)
            language = message.get(RED_FLAG_LANGUAGE) or language_of(text, self.known_words)
            entities = [e for e in entities if e.get(ENTITY_ATTRIBUTE_TYPE) != REPLY_LANGUAGE_ENTITY]
            entities.append({ENTITY_ATTRIBUTE_TYPE: REPLY_LANGUAGE_ENTITY,
                             ENTITY_ATTRIBUTE_VALUE: language,
                             EXTRACTOR: self.__class__.__name__})
            message.set(ENTITIES, entities, add_to_output=True)
            if language != "en" and not flagged:
                override_intent(message, DEFAULT_NLU_FALLBACK_INTENT_NAME)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
