#!/usr/bin/env bash
# Run every corpus document through `fiscalscan run` and score it with the shared scorer.
# usage: bench/corpus.sh OUT [CORPUS] [extra `fiscalscan run` options...]
#   OUT/run/<id>/scan/…   the run's own output per document (one input: named by its stem, pipeline/inputs.py)
#   OUT/pred/<id>.json    document.json under the name the scorer pairs by
#   OUT/score.txt         ../shared/eval/score.py's report; OUT/score.json its full results
#   OUT/times.txt         wall seconds per document
set -euo pipefail
out=${1:?usage: bench/corpus.sh OUT [CORPUS] [run options]}
corpus=${2:-../shared/corpus}
shift $(( $# >= 2 ? 2 : 1 ))
mkdir -p "$out/pred"
: > "$out/times.txt"
for scan in "$corpus"/*/pdf/scan.pdf; do
  id=$(basename "$(dirname "$(dirname "$scan")")")
  start=$(date +%s.%N)
  fiscalscan run "$scan" --out "$out/run/$id" -q "$@" || echo "warning: $id failed" >&2
  end=$(date +%s.%N)
  pages=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['pages']))" "$out/run/$id/scan/document.json")
  echo "$id pages=$pages seconds=$(python3 -c "print(round($end-$start,1))")" >> "$out/times.txt"
  cp "$out/run/$id/scan/document.json" "$out/pred/$id.json"
done
python3 "$corpus/../eval/score.py" --truth "$corpus" --pred "$out/pred" --json "$out/score.json" > "$out/score.txt"
cat "$out/times.txt" "$out/score.txt"
