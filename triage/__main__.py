"""``python -m triage "text" ["more text" ...]`` -- print the red flags found as JSON.

Options:
  --explain   also list every pattern match that was NOT flagged and why
              (negated, general question, exception, duplicate) -- for reviewing patterns.
  -           read texts from stdin, one per line.
"""
from __future__ import annotations

import json
import os
import sys
from typing import List


def main(argv: List[str]) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # spaCy's thinc may import TensorFlow
    explain = "--explain" in argv
    args = [a for a in argv if a != "--explain"]
    if not args or args in (["-h"], ["--help"]):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    texts = [line.rstrip("\n") for line in sys.stdin] if args == ["-"] else args

    from .red_flags import blank_nlp, default_detector
    from .rules import load_rules

    detector = default_detector()
    rules = load_rules()
    results = []
    for text in texts:
        doc = blank_nlp().make_doc(text)
        hits = detector.detect(doc)
        item = {
            "text": text,
            "level": hits[0].level if hits else rules.default_level,
            "red_flags": [h.to_dict() for h in hits],
        }
        if explain:
            item["not_flagged"] = [
                {"reason": c.reason, "pattern": c.pattern_id, "text": c.text, "status": c.status,
                 "detail": c.detail}
                for c in detector.analyze(doc)
                if c.status != "flagged"
            ]
        results.append(item)
    out = results[0] if len(results) == 1 else results
    json.dump(out, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
