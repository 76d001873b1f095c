"""An intent needs at least one of its own words: otherwise the message is ``nlu_fallback``.

DIET always names *some* intent, and on text unlike anything it was trained on
("lorem ipsum dolor") which one, and how sure, depends on the training run and
even the CPU it ran on. Mid check-in that decided whether nonsense was re-asked
or interrupted the form with a greeting. This component makes the outcome for
such text a property of the training data instead of the weights: at training
time it collects, per intent, the words its examples use; at run time an intent
whose words the message shares none of becomes ``nlu_fallback`` (outside a
check-in: "please rephrase"; inside one: the text is taken as an answer and, if
it is not one, re-asked with the reason, then a skip is offered).

Words that occur in the examples of many intents ("i", "my", "no", "is") are
no evidence for any of them. One typing slip is forgiven ("helo" -> "hello").
A yes or a no is evidence enough for ``affirm`` or ``deny`` when the check-in's
own answer reader (``triage.answers.normalize_yes_no``) reads it that way, so
"no" stays ``deny`` although "no" is in many intents' examples.

Example: "lorem ipsum dolor" -> nlu_fallback whatever DIET said;
"hiya there" -> greet stays greet ("hiya" is in greet's examples).
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Set, Text

import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.intent_override import override_intent
from triage.answers import normalize_yes_no
from triage.text import fold_text

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
VOCAB_FILE = "intent_words.json"


def words_of(text: Text) -> List[Text]:
    """Lower-case words of a text: "Can't   BREATHE!" -> ["can't", "breathe"]."""
    return WORD.findall(fold_text(text).lower())


def _one_deletion(word: Text) -> Set[Text]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class IntentWords:
    """Per-intent evidence words, with one-edit typo tolerance for words of 4+ letters."""

    def __init__(self, vocab: Dict[Text, Iterable[Text]]) -> None:
        self.vocab: Dict[Text, FrozenSet[Text]] = {k: frozenset(v) for k, v in vocab.items()}
        self._deletions: Dict[Text, FrozenSet[Text]] = {
            intent: frozenset(d for w in words if len(w) >= 4 for d in _one_deletion(w))
            for intent, words in self.vocab.items()
        }

    @classmethod
    def from_examples(
        cls, examples: Iterable[tuple], generic_share: float
    ) -> "IntentWords":
        """``examples``: (intent, text) pairs. A word found in the examples of at least
        ``generic_share`` of the intents is generic and belongs to none."""
        per_intent: Dict[Text, Set[Text]] = {}
        for intent, text in examples:
            per_intent.setdefault(intent, set()).update(words_of(text))
        spread = Counter(w for words in per_intent.values() for w in words)
        limit = max(2.0, generic_share * len(per_intent))
        return cls({
            intent: {w for w in words if spread[w] < limit}
            for intent, words in per_intent.items()
        })

    def supports(self, intent: Text, text: Text) -> Optional[bool]:
        """Does ``text`` share a word with ``intent``'s examples? None: intent unknown."""
        words = self.vocab.get(intent)
        if words is None:
            return None
        deletions = self._deletions[intent]
        for word in words_of(text):
            if word in words:
                return True
            if len(word) >= 4 and (word in deletions or not _one_deletion(word).isdisjoint(words)):
                return True
            if len(word) >= 5 and not _one_deletion(word).isdisjoint(deletions):
                return True  # one letter swapped or mistyped
        return False

    def to_json(self) -> Dict[Text, List[Text]]:
        return {intent: sorted(words) for intent, words in self.vocab.items()}


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class IntentEvidenceGuard(GraphComponent):
    """A predicted intent with none of its own words in the message -> nlu_fallback."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Intents that are answers by nature keep their prediction: mid check-in
            # an answer is validated anyway, and outside it asks to rephrase.
            "exempt_intents": ["inform"],
            # A word in the examples of at least this share of intents is generic.
            "generic_share": 0.35,
            # Intents a yes/no reading supports: intent -> the reading it needs.
            "yes_no_intents": {"affirm": True, "deny": False},
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        words: Optional[IntentWords] = None,
    ) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.words = words or IntentWords({})
        self.exempt = frozenset(config["exempt_intents"])
        self.yes_no = dict(config["yes_no_intents"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IntentEvidenceGuard":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            (ex.get(INTENT), ex.get(TEXT))
            for ex in training_data.intent_examples
            if ex.get(INTENT) and ex.get(TEXT)
        ]
        self.words = IntentWords.from_examples(examples, float(self.config["generic_share"]))
        with self._model_storage.write_to(self._resource) as model_dir:
            rasa.shared.utils.io.dump_obj_as_json_to_file(
                model_dir / VOCAB_FILE, self.words.to_json()
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "IntentEvidenceGuard":
        with model_storage.read_from(resource) as model_dir:
            vocab = rasa.shared.utils.io.read_json_file(model_dir / VOCAB_FILE)
        return cls(config, model_storage, resource, IntentWords(vocab))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            text = message.get(TEXT)
            if not intent or intent in self.exempt or not isinstance(text, str):
                continue
            if self.words.supports(intent, text) is not False:
                continue
            if intent in self.yes_no and normalize_yes_no(text) is self.yes_no[intent]:
                continue
            override_intent(message, DEFAULT_NLU_FALLBACK_INTENT_NAME)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
