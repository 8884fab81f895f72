"""A character's confidence is the chance that its doubt leaves the cell's text as written.

The recogniser's per-character probability is its belief in one spelling.  Two kinds of doubt do not put the
cell's text in doubt, and a harsh scan (150 dpi, JPEG) is full of both:

* doubt between spellings the cell writes alike: 决/決, 财/財 (a traditional form is written simplified,
  :mod:`plugins.cells.normalise`), （/( and ，/, (full- and half-width forms are one character, NFKC);
* doubt about a mark the cleanup removes wherever it is: a dust speck at the edge of a number or a label read
  as ".", "·", ":" or "," is dropped whether it was read as any of these or as nothing at all.

So each character's confidence is the sum of the probabilities of the readings the recogniser weighed at that
character (:attr:`pipeline.interfaces.LineRecognition.char_alternatives`: the chosen one and its runners-up) that
give the same final text, compared as the scorer and ``fiscalscan eval`` compare text
(:func:`pipeline.textnorm.normalize`) after the cell's own cleanup.  A reading that changes the text (农/衣,
、/，, 1/7, a dot that would stay a decimal point) is doubt and counts against the cell as before.  Engines that
give no alternatives leave every confidence as it was.  No threshold: the probabilities are the recogniser's own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pipeline.interfaces import LineRecognition
from pipeline.textnorm import normalize

#: characters at least this sure are taken as they are (no alternative can add a meaningful share)
SURE = 0.999


def settled_confidences(lines: Sequence[LineRecognition], final: str, cleanup: Callable[[Sequence[str]], str]
                        ) -> list[float]:
    """Per character of ``lines`` (in reading order), the probability of the readings at that character that
    leave the cell's final text ``final`` unchanged; ``cleanup`` maps the lines' texts to the cell's text."""
    target = normalize(final)
    texts = [r.text for r in lines]
    if normalize(cleanup(texts)) != target:  # the text was not written from these readings by ``cleanup``
        return [p for r in lines for p in r.char_confidences]
    out: list[float] = []
    for j, r in enumerate(lines):
        alts = r.char_alternatives if len(r.char_alternatives) == len(r.text) == len(r.char_confidences) else ()
        for i, p in enumerate(r.char_confidences):
            if p >= SURE or not alts:
                out.append(p)
                continue
            same = p
            for ch, q in alts[i]:
                variant = list(texts)
                variant[j] = r.text[:i] + ch + r.text[i + 1:]
                if normalize(cleanup(variant)) == target:
                    same += q
            out.append(min(1.0, same))
    return out


def settled_confidence(lines: Sequence[LineRecognition], final: str, cleanup: Callable[[Sequence[str]], str]
                       ) -> float:
    """The weakest character's settled confidence (:func:`settled_confidences`); 0 when a line read nothing."""
    if not lines or any(not r.text for r in lines):
        return 0.0
    confs = settled_confidences(lines, final, cleanup)
    return min(confs) if confs else 0.0
