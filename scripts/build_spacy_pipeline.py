"""Build the project's spaCy pipeline into ``models/spacy_pipeline``.

No pretrained English spaCy model for spaCy 3.4 can be installed from the package
registries, and nothing may be downloaded at run time, so the pipeline is assembled
from parts that ship with the pinned packages:

* ``spacy.blank("en")`` - the English tokenizer and its exceptions;
* a lookup lemmatizer whose tables come from ``spacy-lookups-data``;
* an EntityRuler whose patterns live in ``data/patterns/entities.jsonl``
  (body parts, symptom words, episode durations, how long it has been going on).

Rasa's ``SpacyNLP`` loads the result by path (see ``config.yml``).

Usage: ``python scripts/build_spacy_pipeline.py [--out models/spacy_pipeline]``
"""
from __future__ import annotations

import argparse
from pathlib import Path

import spacy
import srsly

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = ROOT / "data" / "patterns" / "entities.jsonl"
DEFAULT_OUT = ROOT / "models" / "spacy_pipeline"


def build(patterns_path: Path = PATTERNS) -> "spacy.language.Language":
    """Return the assembled pipeline, e.g. ``build()("my calf").ents -> (calf,)``."""
    nlp = spacy.blank("en")
    nlp.meta["name"] = "spasm_vs_twitch"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = (
        "Blank English tokenizer + lookup lemmatizer + EntityRuler for the "
        "spasm-vs-twitch assistant. Built by scripts/build_spacy_pipeline.py."
    )
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # phrase patterns are matched case-insensitively: people type "Calf" and "CALF".
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    nlp.initialize()  # loads the lemma lookup tables from spacy-lookups-data
    ruler.add_patterns(list(srsly.read_jsonl(patterns_path)))
    return nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    nlp = build()
    nlp.to_disk(args.out)
    print(f"spaCy pipeline {nlp.pipe_names} written to {args.out}")


if __name__ == "__main__":
    main()
