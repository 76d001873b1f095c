"""NLU component: "how much ibuprofen should I take?" is out of scope, deterministically.

The FAQ model saw "cramp" and answered with hydration advice; a dosing question must
be declined clearly (``utter_out_of_scope`` says the assistant can't advise on
medicines or doses and that a pharmacist or doctor can). The cue words are data in
``medicine_questions.yml``. A red flag in the same message still escalates:
RedFlagPolicy reads the entities, not the intent.

Example: "how much magnesium can I take for night cramps?" -> out_of_scope;
"can statins cause cramps?" stays a question about causes (no dose cue).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Pattern, Text, Tuple

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.intent_override import override_intent
from triage.text import fold_text

CUES_PATH = Path(__file__).resolve().with_name("medicine_questions.yml")
OUT_OF_SCOPE = "out_of_scope"


def _phrases(words: List[str]) -> Pattern[str]:
    alternatives = sorted((re.escape(w.lower()) for w in words), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(alternatives) + r")\b")


@lru_cache(maxsize=1)
def _cues() -> Tuple[Pattern[str], Pattern[str], Pattern[str]]:
    data = yaml.safe_load(CUES_PATH.read_text(encoding="utf-8"))
    return (_phrases(data["dose_cues"]), _phrases(data["medicines"]),
            re.compile(data["dose_amount_pattern"]))


def is_dose_question(text: str) -> bool:
    """A question about how much of a medicine to take."""
    folded = fold_text(text or "").lower()
    dose, medicine, amount = _cues()
    return bool(dose.search(folded) and (medicine.search(folded) or amount.search(folded)))


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class MedicineQuestionGuard(GraphComponent):
    """A dosing question -> out_of_scope (with the pharmacist redirect)."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MedicineQuestionGuard":
        _cues()  # fail at start-up on a broken cue file
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or text.startswith("/") or not is_dose_question(text):
                continue
            override_intent(message, OUT_OF_SCOPE)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
