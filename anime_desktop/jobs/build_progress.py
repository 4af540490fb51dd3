"""Where a `build-student` run is, read from the lines it prints (the window runs it as a child
process, so its stdout is all there is): stage headers (`== train: ...`), the pairs renderer's
`pairs N/M` lines and the trainer's `step N/M` lines, mapped onto one 0..1 bar.

The weights are the shares of a typical CPU build (pairs a tenth, training most of it).
"""

from __future__ import annotations

import re

STAGES = {"render pairs": (0.0, 0.10), "train": (0.10, 0.80), "export FP32": (0.90, 0.03),
          "export INT8": (0.93, 0.04), "check": (0.97, 0.03)}
LABELS = {"render pairs": "Rendering pairs", "train": "Training", "export FP32": "Exporting",
          "export INT8": "Quantizing to INT8", "check": "Checking quality"}
_HEADER = re.compile(r"^== (render pairs|train|export FP32|export INT8|check)\b")
_COUNT = re.compile(r"\b(pairs|step) (\d+)/(\d+)\b")


class BuildProgress:
    def __init__(self) -> None:
        self.stage = ""
        self.fraction = 0.0
        self.label = ""

    def feed(self, line: str) -> bool:
        """Read one line; True when the fraction or the label changed."""
        header = _HEADER.match(line)
        if header:
            self.stage = header.group(1)
            self.fraction = STAGES[self.stage][0]
            self.label = LABELS[self.stage]
            return True
        count = _COUNT.search(line)
        if count and self.stage in ("render pairs", "train"):
            done, total = int(count.group(2)), max(int(count.group(3)), 1)
            start, span = STAGES[self.stage]
            self.fraction = start + span * min(done / total, 1.0)
            unit = "render" if self.stage == "render pairs" else "step"
            self.label = f"{LABELS[self.stage]}: {unit} {done}/{total}"
            return True
        return False
