#!/usr/bin/env bash
# scenarios/replay_round_trip.sh HOTDEPLOY RUN_DIR WORK_DIR [RUN OPTION...]
#
# The round trip of `hotdeploy replay` for one saved run of a library scenario (RUN_DIR, e.g.
# build/scenario-runs/nginx/upgrade): its error.log, up to the end of its steps, is replayed into a
# scenario on the same target; that scenario runs (RUN OPTIONs, e.g. --nginx PATH, go to `hotdeploy
# run`); and `hotdeploy diff` compares the two runs. Masters, workers, pid files, steps with no
# effect and who served at the end must be the same; `dropped` is not compared (the replay's load
# is a named default, the original's is the scenario's).
#
# The log is cut where the run's steps ended (history.jsonl's steps_ended): what follows is
# hotdeploy's cleanup (TERM to every live master), not the incident. The lines kept are the
# run's log_line events, i.e. error.log's lines of notice level and above.
# Exit 0 when the aspects are the same, 1 when one differs, 2 when a stage fails.
set -euo pipefail
if (($# < 3)); then
  echo "usage: $0 HOTDEPLOY RUN_DIR WORK_DIR [RUN OPTION...]" >&2
  exit 2
fi
hotdeploy=$1
original=$2
work=$3
shift 3

history=$original/history.jsonl
if [[ ! -f $history || ! -f $original/result.json ]]; then
  echo "replay round trip: $original holds no finished run (history.jsonl, result.json)" >&2
  exit 2
fi
name=$(jq -r .scenario "$original/result.json")
target=$(jq -r .target "$original/result.json")
rm -rf "$work"
mkdir -p "$work"

steps_ended=$(jq -r 'select(.type == "steps_ended") | .t_ns' "$history" | head -n 1)
if [[ -z $steps_ended ]]; then
  echo "replay round trip: $history has no steps_ended event: the run did not finish its steps" >&2
  exit 2
fi
jq -r --argjson stop "$steps_ended" 'select(.type == "log_line" and .t_ns <= $stop) | .text' "$history" \
  >"$work/error.log"

echo "== hotdeploy replay $work/error.log --target $target"
if ! "$hotdeploy" replay "$work/error.log" --target "$target" --name "$name" --out "$work/$name.yaml"; then
  echo "replay round trip: replay refused the log of $original" >&2
  exit 2
fi
echo "== hotdeploy run $work/$name.yaml"
status=0
"$hotdeploy" run "$work/$name.yaml" --out "$work/runs" -q "$@" || status=$?
# A verdict of fail is the replay's to show (its load and expectations are defaults); a run that
# could not be carried out is not.
if ((status > 1)); then
  echo "replay round trip: the replayed scenario did not run (exit $status)" >&2
  exit 2
fi
echo "== hotdeploy diff $original $work/runs/$name"
diff_output=$("$hotdeploy" diff "$original" "$work/runs/$name") || true
echo "$diff_output"
differing=()
for aspect in masters workers pid_files no_effect served_by_at_end; do
  line=$(grep -E "^$aspect +" <<<"$diff_output" || true)
  if [[ -z $line ]]; then
    echo "replay round trip: hotdeploy diff printed no '$aspect' line" >&2
    exit 2
  fi
  if [[ ! $line =~ ^$aspect\ +same$ ]]; then differing+=("$aspect"); fi
done
if ((${#differing[@]} > 0)); then
  echo "replay round trip: $name: the replayed run differs in ${differing[*]}"
  exit 1
fi
echo "replay round trip: $name: masters, workers, pid files, no-effect steps and who served at the end are the same"
